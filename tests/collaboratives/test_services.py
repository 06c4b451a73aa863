"""Invitations, joining, leaving and roles: the rules the services enforce."""

import datetime as dt
import hashlib
import threading

import pytest
from django.db import connection
from django.utils import timezone

from accounts.errors import AccessDenied, DomainError
from accounts.models import User
from collaboratives import services
from collaboratives.models import Invitation, Membership, Role
from tests.factories import PASSWORD, CohortFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- invitation_create ------------------------------------------------------------------------


def test_invitation_create_stores_only_hash_and_emails_link(
    facilitator, cohort, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.WAGTAILADMIN_BASE_URL = "https://imh.example.org"
    settings.INVITATION_VALID_DAYS = 10

    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_create(
            cohort=cohort,
            email=" New.Person@Example.org ",
            role=Role.MEMBER,
            invited_by=facilitator,
        )

    invitation.refresh_from_db()
    assert len(token) >= 40
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert invitation.email == "New.Person@Example.org"
    assert invitation.invited_by == facilitator
    remaining = invitation.expires_at - timezone.now()
    assert dt.timedelta(days=9, hours=23) < remaining <= dt.timedelta(days=10)
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["New.Person@Example.org"]
    assert cohort.name in email.subject
    assert f"https://imh.example.org/collaboratives/invitations/{token}/" in email.body
    assert facilitator.name in email.body


def test_invitation_create_sends_no_email_before_commit(
    facilitator, cohort, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.invitation_create(
            cohort=cohort, email="a@example.org", role=Role.MEMBER, invited_by=facilitator
        )

    assert mailoutbox == []
    assert len(callbacks) == 1


def test_invitation_create_revokes_older_pending_invitation(invite):
    older, older_token = invite("twice@example.org")

    newer, newer_token = invite("TWICE@example.org")

    older.refresh_from_db()
    assert older.revoked_at is not None
    assert services.invitation_for_token(newer_token) == newer
    with pytest.raises(DomainError) as error:
        services.invitation_for_token(older_token)
    assert error.value.code == "revoked"


@pytest.mark.parametrize("who", ["cohort_member", "outsider", "other_facilitator"])
def test_invitation_create_by_non_facilitator_is_denied_and_creates_nothing(
    who, request, cohort, mailoutbox, django_capture_on_commit_callbacks
):
    if who == "other_facilitator":
        inviter = MembershipFactory(role=Role.FACILITATOR).user  # of another cohort
    else:
        inviter = request.getfixturevalue(who)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(AccessDenied):
        services.invitation_create(
            cohort=cohort, email="x@example.org", role=Role.MEMBER, invited_by=inviter
        )

    assert Invitation.objects.count() == 0
    assert mailoutbox == []


@pytest.mark.parametrize("who", ["administrator", "staff_editor"])
def test_invitation_create_by_staff_is_allowed(who, request, cohort):
    inviter = request.getfixturevalue(who)

    invitation, _ = services.invitation_create(
        cohort=cohort, email="x@example.org", role=Role.FACILITATOR, invited_by=inviter
    )

    assert invitation.role == Role.FACILITATOR


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [
        ("not-an-email", Role.MEMBER, "email"),
        ("", Role.MEMBER, "email"),
        ("a@b.org", "boss", "role"),
    ],
)
def test_invitation_create_bad_input_names_field_and_creates_nothing(
    facilitator, cohort, email, role, field
):
    with pytest.raises(DomainError) as error:
        services.invitation_create(cohort=cohort, email=email, role=role, invited_by=facilitator)

    assert error.value.field == field
    assert error.value.message
    assert Invitation.objects.count() == 0


def test_invitation_create_for_active_member_is_refused(facilitator, cohort, cohort_member):
    with pytest.raises(DomainError) as error:
        services.invitation_create(
            cohort=cohort,
            email=cohort_member.email.upper(),
            role=Role.MEMBER,
            invited_by=facilitator,
        )

    assert "already a member" in error.value.message
    assert Invitation.objects.count() == 0


def test_invitation_create_for_former_member_is_allowed(facilitator, cohort):
    former = MembershipFactory(cohort=cohort, left_at=timezone.now()).user

    invitation, _ = services.invitation_create(
        cohort=cohort, email=former.email, role=Role.MEMBER, invited_by=facilitator
    )

    assert invitation.pk


# --- invitation_for_token ---------------------------------------------------------------------


def test_invitation_for_token_unknown_says_not_valid(db):
    with pytest.raises(DomainError) as error:
        services.invitation_for_token("no-such-token")

    assert error.value.code == "not_found"
    assert error.value.message == "This invitation link is not valid."


def test_invitation_for_token_expired_says_ask_for_new_one(invite):
    invitation, token = invite()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())

    with pytest.raises(DomainError) as error:
        services.invitation_for_token(token)

    assert error.value.code == "expired"
    assert error.value.message == "This invitation has expired. Ask your facilitator for a new one."


# --- invitation_accept ------------------------------------------------------------------------


def test_invitation_accept_new_user_registers_and_joins(invite, cohort, facilitator):
    invitation, token = invite("fresh@example.org", role=Role.FACILITATOR)

    membership = services.invitation_accept(
        token=token, username="fresh", password=PASSWORD, display_name="Fresh Person"
    )

    user = User.objects.get(username="fresh")
    assert membership.user == user
    assert user.email == "fresh@example.org"
    assert user.display_name == "Fresh Person"
    assert user.check_password(PASSWORD)
    assert membership.cohort == cohort
    assert membership.role == Role.FACILITATOR
    assert membership.invited_by == facilitator
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == user


def test_invitation_accept_signed_in_user_joins_with_other_email(invite, cohort, outsider):
    invitation, token = invite("someone.else@example.org")

    membership = services.invitation_accept(token=token, user=outsider)

    assert membership.user == outsider
    assert membership.cohort == cohort
    invitation.refresh_from_db()
    assert invitation.accepted_by == outsider
    assert User.objects.filter(email="someone.else@example.org").count() == 0


def test_invitation_accept_already_member_is_refused_and_leaves_invitation_pending(
    invite, cohort_member
):
    invitation, token = invite("other@example.org")

    with pytest.raises(DomainError) as error:
        services.invitation_accept(token=token, user=cohort_member)

    assert error.value.code == "already_member"
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_invitation_accept_twice_works_once(invite, outsider):
    _, token = invite()
    services.invitation_accept(token=token, user=outsider)
    second = UserFactory()

    with pytest.raises(DomainError) as error:
        services.invitation_accept(token=token, user=second)

    assert error.value.code == "used"
    assert error.value.message == "This invitation has already been used."
    assert not Membership.objects.filter(user=second).exists()


def test_invitation_accept_twice_by_new_user_creates_one_account(invite):
    _, token = invite()
    services.invitation_accept(token=token, username="first", password=PASSWORD)

    with pytest.raises(DomainError) as error:
        services.invitation_accept(token=token, username="second", password=PASSWORD)

    assert error.value.code == "used"
    assert not User.objects.filter(username="second").exists()


def test_invitation_accept_expired_creates_nothing(invite, outsider):
    invitation, token = invite()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )

    with pytest.raises(DomainError) as error:
        services.invitation_accept(token=token, username="late", password=PASSWORD)

    assert error.value.code == "expired"
    assert not User.objects.filter(username="late").exists()
    assert Membership.objects.filter(cohort=invitation.cohort).count() == 1  # the facilitator


def test_invitation_accept_revoked_creates_nothing(invite, outsider, facilitator):
    invitation, token = invite()
    services.invitation_revoke(invitation=invitation, by=facilitator)

    with pytest.raises(DomainError) as error:
        services.invitation_accept(token=token, user=outsider)

    assert error.value.code == "revoked"
    assert "Ask your facilitator" in error.value.message
    assert not Membership.objects.filter(user=outsider).exists()


def test_invitation_accept_unknown_token_creates_nothing(db, outsider):
    with pytest.raises(DomainError) as error:
        services.invitation_accept(token="forged", user=outsider)

    assert error.value.code == "not_found"
    assert not Membership.objects.filter(user=outsider).exists()


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [
        ("", PASSWORD, "username"),
        ("has space", PASSWORD, "username"),
        ("newbie", "123", "password"),
        ("newbie", "password", "password"),
    ],
)
def test_invitation_accept_bad_sign_up_creates_nothing(invite, username, password, field):
    invitation, token = invite()

    with pytest.raises(DomainError) as error:
        services.invitation_accept(token=token, username=username, password=password)

    assert error.value.field == field
    assert User.objects.filter(email__iexact=invitation.email).count() == 0
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_invitation_accept_taken_username_creates_nothing(invite, cohort_member):
    invitation, token = invite()

    with pytest.raises(DomainError) as error:
        services.invitation_accept(
            token=token, username=cohort_member.username.upper(), password=PASSWORD
        )

    assert error.value.field == "username"
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_invitation_accept_email_with_account_asks_to_sign_in(invite, outsider):
    invitation, token = invite(outsider.email)

    with pytest.raises(DomainError) as error:
        services.invitation_accept(token=token, username="another", password=PASSWORD)

    assert "Sign in" in error.value.message
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_invitation_accept_concurrent_clicks_join_once():
    cohort = CohortFactory()
    inviter = MembershipFactory(cohort=cohort, role=Role.FACILITATOR).user
    _, token = services.invitation_create(
        cohort=cohort, email="race@example.org", role=Role.MEMBER, invited_by=inviter
    )
    people = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(person):
        try:
            barrier.wait(timeout=10)
            services.invitation_accept(token=token, user=person)
            outcomes.append("joined")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["joined", "used"]
    assert Membership.objects.filter(user__in=people).count() == 1


# --- membership_remove / membership_change_role ----------------------------------------------


def test_membership_remove_sets_left_at(facilitator, cohort, cohort_member):
    membership = services.membership_remove(cohort=cohort, user=cohort_member, by=facilitator)

    assert membership.left_at is not None
    assert not Membership.objects.filter(
        cohort=cohort, user=cohort_member, left_at__isnull=True
    ).exists()
    assert not cohort_member.has_perm("collaboratives.view_cohort", cohort)


def test_membership_remove_by_member_is_denied(cohort, cohort_member, facilitator):
    with pytest.raises(AccessDenied):
        services.membership_remove(cohort=cohort, user=facilitator, by=cohort_member)

    assert Membership.objects.get(user=facilitator).left_at is None


def test_membership_remove_last_facilitator_is_refused(facilitator, cohort, administrator):
    with pytest.raises(DomainError) as error:
        services.membership_remove(cohort=cohort, user=facilitator, by=administrator)

    assert "only facilitator" in error.value.message
    assert Membership.objects.get(user=facilitator).left_at is None


def test_membership_remove_one_of_two_facilitators_is_allowed(facilitator, cohort):
    other = MembershipFactory(cohort=cohort, role=Role.FACILITATOR).user

    services.membership_remove(cohort=cohort, user=other, by=facilitator)

    assert Membership.objects.get(user=other).left_at is not None


def test_membership_remove_non_member_says_so(facilitator, cohort, outsider):
    with pytest.raises(DomainError) as error:
        services.membership_remove(cohort=cohort, user=outsider, by=facilitator)

    assert "not a member" in error.value.message


def test_membership_change_role_promotes_member(facilitator, cohort, cohort_member):
    membership = services.membership_change_role(
        cohort=cohort, user=cohort_member, role=Role.FACILITATOR, by=facilitator
    )

    assert membership.role == Role.FACILITATOR
    assert cohort_member.has_perm("collaboratives.manage_cohort", cohort)


def test_membership_change_role_demoting_last_facilitator_is_refused(facilitator, cohort):
    with pytest.raises(DomainError) as error:
        services.membership_change_role(
            cohort=cohort, user=facilitator, role=Role.MEMBER, by=facilitator
        )

    assert "only facilitator" in error.value.message
    assert Membership.objects.get(user=facilitator).role == Role.FACILITATOR


def test_membership_change_role_bad_role_changes_nothing(facilitator, cohort, cohort_member):
    with pytest.raises(DomainError) as error:
        services.membership_change_role(
            cohort=cohort, user=cohort_member, role="owner", by=facilitator
        )

    assert error.value.field == "role"
    assert Membership.objects.get(user=cohort_member).role == Role.MEMBER


def test_membership_change_role_by_member_is_denied(cohort, cohort_member, facilitator):
    with pytest.raises(AccessDenied):
        services.membership_change_role(
            cohort=cohort, user=cohort_member, role=Role.FACILITATOR, by=cohort_member
        )

    assert Membership.objects.get(user=cohort_member).role == Role.MEMBER
