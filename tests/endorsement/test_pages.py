"""The progress page, provider queue, export, sharing, cohort view and directories over HTTP."""

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core import mail
from django.urls import reverse

from accounts.errors import DomainError
from accounts.models import AuditEntry
from collaboratives.models import Role
from endorsement.models import EndorsementProfile, RscEntry, TrainingEntry
from endorsement.services import rsc_entry_create, training_entry_create
from tests.endorsement.conftest import days_ago, make_provider
from tests.factories import MembershipFactory, UserFactory


def rsc(member, provider, hours="2", days=5, **extra):
    return rsc_entry_create(
        member=member,
        provider=provider,
        format="individual",
        date=days_ago(days),
        hours=hours,
        age_group="0-3",
        **extra,
    )


def confirm(entry):
    RscEntry.objects.filter(pk=entry.pk).update(status=RscEntry.Status.CONFIRMED)


@pytest.fixture
def with_goal(member, ifs):
    member.goal_category = ifs
    member.save(update_fields=["goal_category"])
    return member


def test_progress_page_shows_totals_by_area_and_rsc_rules(client, with_goal, area, provider):
    training_entry_create(member=with_goal, title="A", date=days_ago(3), hours="4", areas=[area])
    confirm(rsc(with_goal, provider, hours="2.5"))
    rsc(with_goal, provider, hours="1", days=6)
    client.force_login(with_goal)

    page = client.get(reverse("endorsement:progress")).content.decode()

    assert "<strong>4.00</strong> of 30 clock hours" in page
    assert f"{area.name}</th><td>4.00</td>" in page
    assert "bar-w-100" in page
    assert "<strong>2.50</strong> confirmed of 24 hours" in page
    assert "plus 1.00 pending" in page
    assert "at least 12 months" in page


def test_goal_must_come_from_the_list(client, member):
    client.force_login(member)

    response = client.post(reverse("endorsement:goal"), {"goal": "earn:99999"})

    assert response.status_code == 400
    member.refresh_from_db()
    assert member.goal_category is None


def test_renewal_needs_a_held_endorsement(client, member, ifs):
    client.force_login(member)

    response = client.post(reverse("endorsement:goal"), {"goal": f"renew:{ifs.pk}"})

    assert response.status_code == 400
    member.refresh_from_db()
    assert member.goal_category is None


def test_renewal_mode_shows_the_cycle(client, member):
    from competencies.models import Association, EndorsementCategory
    from endorsement.models import Credential

    category = EndorsementCategory.objects.get(code="IMHS")
    Credential.objects.create(
        member=member, category=category, association=Association.objects.get(slug="pa-aimh")
    )
    client.force_login(member)
    client.post(reverse("endorsement:goal"), {"goal": f"renew:{category.pk}"})

    page = client.get(reverse("endorsement:progress")).content.decode()

    assert "3-year cycle" in page
    assert "due <strong>31 December 2027</strong>" in page


def test_documents_checklist_accepts_only_items_of_the_goal(client, with_goal):
    client.force_login(with_goal)

    client.post(reverse("endorsement:documents"), {"documents": ["references"]})
    client.post(reverse("endorsement:documents"), {"documents": ["invented"]})

    assert EndorsementProfile.objects.get(member=with_goal).documents_done == ["references"]


def test_provider_confirms_only_entries_naming_them(client, member, provider):
    entry = rsc(member, provider)
    other_provider = make_provider()
    url = reverse("endorsement:provider_decide", args=[entry.pk])

    client.force_login(other_provider)
    assert client.get(reverse("endorsement:provider_queue")).content.decode().count("hours on") == 0
    assert client.post(url, {"decision": "confirm"}).status_code == 404

    client.force_login(provider)
    queue = client.get(reverse("endorsement:provider_queue")).content.decode()
    assert member.name in queue
    client.post(url, {"decision": "confirm"})

    entry.refresh_from_db()
    assert entry.status == RscEntry.Status.CONFIRMED
    assert member.notifications.filter(kind="endorsement-rsc").exists()


def test_provider_decline_needs_a_reason(client, member, provider):
    entry = rsc(member, provider)
    client.force_login(provider)

    client.post(reverse("endorsement:provider_decide", args=[entry.pk]), {"decision": "decline"})

    entry.refresh_from_db()
    assert entry.status == RscEntry.Status.PENDING


def test_portfolio_csv_has_a_header_a_row_per_entry_totals_and_no_formulas(
    client, member, area, provider
):
    training_entry_create(
        member=member, title="=HYPERLINK(1)", date=days_ago(3), hours="2", areas=[area]
    )
    confirm(rsc(member, provider, hours="1.5"))
    client.force_login(member)

    response = client.get("/endorsement/portfolio.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Section" and "Clock hours" in rows[0]
    assert rows[1][0] == "Training" and rows[1][2] == "'=HYPERLINK(1)"
    assert rows[2][0] == "Training total" and rows[2][7] == "2.00"
    assert rows[3][0] == "RSC" and rows[3][7] == "1.50"
    assert [rows[4][0], rows[4][7]] == ["RSC total confirmed", "1.50"]


def test_portfolio_page_prints_totals(client, member, area):
    training_entry_create(member=member, title="T", date=days_ago(3), hours="2", areas=[area])
    client.force_login(member)

    page = client.get(reverse("endorsement:portfolio")).content.decode()

    assert 'id="portfolio-training-total">2.00<' in page
    assert "css/endorsement" in page


def facilitated(member):
    membership = member.memberships.get()
    facilitator = UserFactory()
    MembershipFactory(cohort=membership.cohort, user=facilitator, role=Role.FACILITATOR)
    return membership.cohort, facilitator


def test_cohort_view_shows_details_when_the_member_shares_them(client, with_goal, area):
    training_entry_create(member=with_goal, title="T", date=days_ago(3), hours="5", areas=[area])
    cohort, facilitator = facilitated(with_goal)
    client.force_login(facilitator)

    page = client.get(reverse("endorsement:cohort", args=[cohort.pk])).content.decode()

    assert "5.00 of 30.00" in page
    assert AuditEntry.objects.filter(
        action="endorsement.read", actor=facilitator, target_id=str(with_goal.pk)
    ).exists()


def test_cohort_view_shows_only_status_when_the_member_opts_out(client, with_goal, area):
    training_entry_create(member=with_goal, title="T", date=days_ago(3), hours="5", areas=[area])
    EndorsementProfile.objects.create(member=with_goal, sharing="status")
    cohort, facilitator = facilitated(with_goal)
    client.force_login(facilitator)

    page = client.get(reverse("endorsement:cohort", args=[cohort.pk])).content.decode()

    assert "5.00 of 30.00" not in page
    assert "behind" in page or "on track" in page
    assert "not shared" in page


def test_cohort_view_is_hidden_from_members_and_outsiders(client, member, outsider):
    cohort = member.memberships.get().cohort
    for user in (member, outsider):
        client.force_login(user)
        assert client.get(reverse("endorsement:cohort", args=[cohort.pk])).status_code == 404


def test_entry_view_permission_follows_sharing_choice(member, provider, area):
    entry = rsc(member, provider)
    _, facilitator = facilitated(member)
    stranger = UserFactory()

    assert provider.has_perm("endorsement.view_entry", entry)
    assert facilitator.has_perm("endorsement.view_entry", entry)
    assert not stranger.has_perm("endorsement.view_entry", entry)
    EndorsementProfile.objects.create(member=member, sharing="status")
    assert not facilitator.has_perm("endorsement.view_entry", entry)


def test_member_directory_shows_only_opted_in_fields_and_only_to_members(client, member, outsider):
    listed = MembershipFactory().user
    listed.county = "Erie"
    listed.sector = "medical"
    listed.save()
    EndorsementProfile.objects.create(member=listed, in_directory=True, show_county=True)
    client.force_login(member)

    page = client.get(reverse("endorsement:directory")).content.decode()

    assert listed.name in page and "Erie" in page and "Medical" not in page
    client.force_login(outsider)
    assert client.get(reverse("endorsement:directory")).status_code == 404


def test_provider_directory_filters_and_contact_hides_the_address(client, member, settings):
    near = make_provider(county="Erie")
    EndorsementProfile.objects.create(member=near, provider_listed=True, provider_group=True)
    far = make_provider(county="Centre")
    EndorsementProfile.objects.create(member=far, provider_listed=True, provider_individual=True)
    client.force_login(member)

    page = client.get(reverse("endorsement:providers"), {"county": "erie"}).content.decode()
    assert near.name in page and far.name not in page
    assert near.email not in page
    page = client.get(reverse("endorsement:providers"), {"format": "individual"}).content.decode()
    assert far.name in page and near.name not in page

    url = reverse("endorsement:provider_contact", args=[near.pk])
    response = client.post(url, {"message": "Do you have room for a supervisee?"})
    assert response.status_code == 302
    assert mail.outbox[0].to == [near.email] and mail.outbox[0].reply_to == [member.email]
    again = client.post(url, {"message": "Hello again"})
    assert again.status_code == 400
    assert len(mail.outbox) == 1


def test_contact_request_with_empty_message_sends_nothing(client, member):
    provider = make_provider()
    EndorsementProfile.objects.create(member=provider, provider_listed=True)
    client.force_login(member)

    response = client.post(
        reverse("endorsement:provider_contact", args=[provider.pk]), {"message": ""}
    )

    assert response.status_code == 400
    assert mail.outbox == []


def test_unlisted_provider_cannot_be_contacted(client, member):
    provider = make_provider()
    client.force_login(member)

    response = client.get(reverse("endorsement:provider_contact", args=[provider.pk]))

    assert response.status_code == 404


def test_sharing_provider_listing_is_refused_to_non_providers(client, member):
    client.force_login(member)

    response = client.post(
        reverse("endorsement:settings"), {"sharing": "details", "provider_listed": "on"}
    )

    assert response.status_code == 400
    assert not EndorsementProfile.objects.filter(member=member, provider_listed=True).exists()


def test_verification_request_needs_an_endorsement_id(client, member, ifs):
    client.force_login(member)
    client.post(reverse("endorsement:credential_add"), {"category": ifs.pk})
    credential = member.credentials.get()

    client.post(reverse("endorsement:credential_verification", args=[credential.pk]))

    credential.refresh_from_db()
    assert credential.verification_requested_at is None


def test_pages_need_sign_in(client):
    response = client.get(reverse("endorsement:progress"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_total_hours_are_decimals(member, area):
    entry = training_entry_create(
        member=member, title="T", date=days_ago(1), hours="1.333", areas=[area]
    )

    assert TrainingEntry.objects.get(pk=entry.pk).hours == D("1.33")
    assert dt.date.today() >= entry.date


def test_member_ledger_follows_the_sharing_choice_and_is_audited(client, member, area):
    training_entry_create(
        member=member, title="Secret title", date=days_ago(2), hours=1, areas=[area]
    )
    _, facilitator = facilitated(member)
    url = reverse("endorsement:member", args=[member.pk])
    client.force_login(facilitator)

    assert "Secret title" in client.get(url).content.decode()
    EndorsementProfile.objects.create(member=member, sharing="status")
    page = client.get(url).content.decode()
    assert "Secret title" not in page and "shares only whether" in page
    assert AuditEntry.objects.filter(action="endorsement.read", actor=facilitator).count() == 2

    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_verification_request_reaches_administrators_and_staff_verify(client, member, ifs):
    from accounts.roles import role_grant
    from endorsement.services import credential_verify

    admin = UserFactory()
    role_grant(user=admin, role="administrator")
    client.force_login(member)
    client.post(reverse("endorsement:credential_add"), {"category": ifs.pk, "endorsement_id": "X1"})
    credential = member.credentials.get()

    client.post(reverse("endorsement:credential_verification", args=[credential.pk]))

    credential.refresh_from_db()
    assert credential.verification_requested_at is not None
    assert admin.notifications.filter(kind="endorsement-verify").exists()
    with pytest.raises(DomainError):
        credential_verify(actor=member, credential=credential)
    credential_verify(actor=admin, credential=credential)
    credential.refresh_from_db()
    assert credential.verified_by == admin
