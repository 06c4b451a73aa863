"""`manage.py invite`: prints the invitation URL alone on the last line; refuses bad input."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from collaboratives import services
from collaboratives.management.commands.invite import Command
from collaboratives.models import Invitation, Role

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("invite", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def args_for(cohort, email="cmd@example.org", *extra):
    return [
        "--collaborative",
        cohort.collaborative.slug,
        "--cohort",
        cohort.slug,
        "--email",
        email,
        *extra,
    ]


def test_invite_prints_working_url_last(cohort, settings, django_capture_on_commit_callbacks):
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8123"

    with django_capture_on_commit_callbacks(execute=True):
        output = run(*args_for(cohort, "cmd@example.org", "--role", "facilitator"))

    last = output.strip().splitlines()[-1]
    prefix = "http://127.0.0.1:8123/collaboratives/invitations/"
    assert last.startswith(prefix) and last.endswith("/")
    token = last[len(prefix) : -1]
    invitation = services.invitation_for_token(token)
    assert invitation.cohort == cohort
    assert invitation.email == "cmd@example.org"
    assert invitation.role == Role.FACILITATOR
    assert invitation.invited_by is None


def test_invite_with_invited_by_facilitator_records_inviter(cohort, facilitator):
    run(*args_for(cohort), "--invited-by", facilitator.username)

    assert Invitation.objects.get().invited_by == facilitator


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--cohort": "no-such-cohort"}, "No cohort 'no-such-cohort'"),
        ({"--collaborative": "nowhere"}, "in a collaborative 'nowhere'"),
        ({"--email": "not-an-email"}, "Enter a valid email address."),
        ({"--role": "boss"}, "Choose member or facilitator."),
        ({"--invited-by": "ghost"}, "No user with the username 'ghost'."),
    ],
)
def test_invite_bad_input_fails_with_message_and_creates_nothing(cohort, change, message):
    options = {
        "--collaborative": cohort.collaborative.slug,
        "--cohort": cohort.slug,
        "--email": "cmd@example.org",
        **change,
    }
    argv = [part for pair in options.items() for part in pair]

    with pytest.raises(CommandError, match=message):
        run(*argv)

    assert Invitation.objects.count() == 0


def test_invite_by_member_is_refused(cohort, cohort_member):
    with pytest.raises(CommandError, match="may not invite"):
        run(*args_for(cohort), "--invited-by", cohort_member.username)

    assert Invitation.objects.count() == 0


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # run_from_argv closes the connection when it ends
def test_invite_bad_cohort_exits_non_zero(cohort, capsys):
    argv = ["manage.py", "invite", *args_for(cohort)]
    argv[argv.index(cohort.slug)] = "no-such-cohort"

    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(argv)

    assert exit_info.value.code != 0
    assert "No cohort 'no-such-cohort'" in capsys.readouterr().err
    assert Invitation.objects.count() == 0
