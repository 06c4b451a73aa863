"""Suggestions from gaps, the provider pick from the directory, and the demo data."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from competencies.models import AreaOfExpertise
from endorsement.demo import demo_load
from endorsement.models import EndorsementProfile, RscEntry, TrainingEntry
from endorsement.services import rsc_entry_create, training_entry_create
from events.models import Visibility
from tests.endorsement.conftest import days_ago, make_provider
from tests.factories import MembershipFactory, SessionFactory, UserFactory


def test_suggestions_list_visible_upcoming_sessions_on_the_weakest_areas(client, member, ifs):
    member.goal_category = ifs
    member.save(update_fields=["goal_category"])
    cohort = member.memberships.get().cohort
    strong = AreaOfExpertise.objects.exclude(mentors_only=True).order_by("order")
    for area in strong[2:]:  # every area but the first two has hours: those two are weakest
        training_entry_create(
            member=member, title=area.name, date=days_ago(2), hours=1, areas=[area]
        )
    weak_competency = strong[0].competencies.first()
    visible = SessionFactory(collaborative=cohort.collaborative, title="Visible on weak area")
    visible.competencies.add(weak_competency)
    hidden = SessionFactory(title="Other collaborative's session", visibility=Visibility.COHORT)
    hidden.competencies.add(weak_competency)
    client.force_login(member)

    page = client.get(reverse("endorsement:progress")).content.decode()

    assert "Suggested for your weakest areas" in page
    assert "Visible on weak area" in page
    assert "Other collaborative" not in page


def test_rsc_form_preselects_the_provider_picked_in_the_directory(client, member):
    provider = make_provider()
    EndorsementProfile.objects.create(member=provider, provider_listed=True)
    client.force_login(member)

    page = client.get(reverse("endorsement:rsc_new"), {"provider": provider.pk}).content.decode()

    assert f'<option value="{provider.pk}" selected>' in page


def test_provider_queue_reads_are_audited(client, member):
    provider = make_provider()
    rsc_entry_create(
        member=member, provider=provider, format="individual", date=days_ago(1), hours=1
    )
    client.force_login(provider)

    client.get(reverse("endorsement:provider_queue"))

    assert AuditEntry.objects.filter(
        action="endorsement.read", actor=provider, target_id=str(member.pk)
    ).exists()


def test_demo_load_is_idempotent(db):
    member1 = MembershipFactory().user
    users = {"facilitator": UserFactory(), "member1": member1, "staff": UserFactory()}
    cohort = member1.memberships.get().cohort

    demo_load(cohort=cohort, users=users)
    counts = (TrainingEntry.objects.count(), RscEntry.objects.count())
    demo_load(cohort=cohort, users=users)

    assert counts[0] > 0 and counts[1] > 0
    assert (TrainingEntry.objects.count(), RscEntry.objects.count()) == counts
    member1.refresh_from_db()
    assert member1.goal_category.code == "IFS"
    assert timezone.localdate() - dt.timedelta(days=200) < RscEntry.objects.first().date


def test_cohort_view_lists_past_sessions_without_closed_attendance(client, member):
    from collaboratives.models import Role
    from events.models import Session

    cohort = member.memberships.get().cohort
    facilitator = UserFactory()
    MembershipFactory(cohort=cohort, user=facilitator, role=Role.FACILITATOR)
    starts = timezone.now() - dt.timedelta(days=2)
    SessionFactory(
        collaborative=cohort.collaborative,
        cohort=cohort,
        title="Past session left open",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
    )
    client.force_login(facilitator)

    page = client.get(reverse("endorsement:cohort", args=[cohort.pk])).content.decode()

    if "attendance_closed_at" in {f.name for f in Session._meta.get_fields()}:
        assert "Past session left open" in page
    else:
        assert "not available" in page


def test_provider_directory_filters_by_category(client, member):
    mentor = make_provider(code="IMHM-C")
    specialist = make_provider(code="IMHS")
    for provider in (mentor, specialist):
        EndorsementProfile.objects.create(member=provider, provider_listed=True)
    client.force_login(member)

    page = client.get(reverse("endorsement:providers"), {"category": "IMHS"}).content.decode()

    assert specialist.name in page and mentor.name not in page


def test_admin_lists_held_endorsements_for_staff(client, db):
    staff = UserFactory(is_staff=True, is_superuser=True)
    make_provider()
    client.force_login(staff)

    response = client.get("/admin/snippets/endorsement/credential/")

    assert response.status_code == 200
    assert "PA-1234" in response.content.decode()


def test_administrator_role_reaches_the_ledger_admin_and_members_do_not(client, db):
    from accounts.roles import role_grant

    administrator = UserFactory()
    role_grant(user=administrator, role="administrator")
    make_provider()

    client.force_login(administrator)
    assert "PA-1234" in client.get("/admin/snippets/endorsement/credential/").content.decode()
    client.force_login(UserFactory())
    assert client.get("/admin/snippets/endorsement/credential/").status_code in (302, 403)
