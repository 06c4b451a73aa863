"""The collaboratives pages through real HTTP: who sees what, and forms that refuse bad input."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from accounts.models import User
from collaboratives.models import Invitation, Membership, Role
from tests.factories import PASSWORD, MembershipFactory, RoomFactory

pytestmark = pytest.mark.django_db


def cohort_url(cohort, suffix=""):
    return f"/collaboratives/{cohort.collaborative.slug}/{cohort.slug}/{suffix}"


def page_messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- /collaboratives/ ------------------------------------------------------------------------


def test_list_shows_member_cohorts_role_and_links(sign_in, cohort, cohort_member, room):
    response = sign_in(cohort_member).get("/collaboratives/")

    assert response.status_code == 200
    html = response.content.decode()
    assert cohort.collaborative.name in html
    assert f'href="{cohort_url(cohort)}"' in html
    assert f'href="/collaboratives/rooms/{room.pk}/"' in html
    assert '<span class="badge">Member</span>' in html
    assert 'href="/forums/"' in html
    assert 'href="/events/"' in html
    assert "/manage/" not in html


def test_list_links_manage_page_for_facilitator(sign_in, cohort, facilitator):
    response = sign_in(facilitator).get("/collaboratives/")

    assert f'href="{cohort_url(cohort, "manage/")}"' in response.content.decode()


def test_list_hides_cohort_left(sign_in, cohort, cohort_member):
    Membership.objects.filter(user=cohort_member).update(left_at=timezone.now())

    response = sign_in(cohort_member).get("/collaboratives/")

    assert cohort.name not in response.content.decode()
    assert "You are not in a cohort yet." in response.content.decode()


def test_list_for_outsider_explains_empty_state(sign_in, outsider, cohort):
    response = sign_in(outsider).get("/collaboratives/")

    assert response.status_code == 200
    assert "You are not in a cohort yet." in response.content.decode()
    assert cohort.name not in response.content.decode()


def test_list_signed_out_redirects_to_login(client):
    response = client.get("/collaboratives/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/collaboratives/")


# --- cohort page -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["cohort_member", "facilitator", "staff_editor", "administrator"])
def test_cohort_page_shows_people_and_rooms_to_allowed(
    who, request, sign_in, cohort, facilitator, cohort_member, room
):
    response = sign_in(request.getfixturevalue(who)).get(cohort_url(cohort))

    assert response.status_code == 200
    html = response.content.decode()
    assert cohort.name in html
    assert facilitator.name in html
    assert cohort_member.name in html
    assert f'href="/collaboratives/rooms/{room.pk}/"' in html


def test_cohort_page_links_manage_only_for_managers(sign_in, cohort, facilitator, cohort_member):
    assert "/manage/" not in sign_in(cohort_member).get(cohort_url(cohort)).content.decode()
    assert "/manage/" in sign_in(facilitator).get(cohort_url(cohort)).content.decode()


def test_cohort_page_is_404_for_outsider_and_former_member(sign_in, cohort, outsider):
    former = MembershipFactory(cohort=cohort, left_at=timezone.now()).user

    assert sign_in(outsider).get(cohort_url(cohort)).status_code == 404
    assert sign_in(former).get(cohort_url(cohort)).status_code == 404


def test_cohort_page_missing_is_404(sign_in, cohort_member, cohort):
    response = sign_in(cohort_member).get(f"/collaboratives/{cohort.collaborative.slug}/nope/")

    assert response.status_code == 404


# --- room page -------------------------------------------------------------------------------


def test_room_page_is_open_to_member(sign_in, cohort_member, room):
    response = sign_in(cohort_member).get(f"/collaboratives/rooms/{room.pk}/")

    assert response.status_code == 200
    assert room.name in response.content.decode()


def test_room_page_is_404_for_outsider_and_missing(sign_in, outsider, room):
    client = sign_in(outsider)

    assert client.get(f"/collaboratives/rooms/{room.pk}/").status_code == 404
    assert client.get(f"/collaboratives/rooms/{room.pk + 1000}/").status_code == 404


def test_room_page_of_other_cohort_is_404(sign_in, cohort_member):
    other_room = RoomFactory()

    assert sign_in(cohort_member).get(f"/collaboratives/rooms/{other_room.pk}/").status_code == 404


# --- manage page -----------------------------------------------------------------------------


def test_manage_page_shows_invite_form_invitations_and_members(
    sign_in, cohort, facilitator, cohort_member, invite
):
    invitation, _ = invite("pending@example.org")

    response = sign_in(facilitator).get(cohort_url(cohort, "manage/"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="email"' in html
    assert 'name="role"' in html
    assert "pending@example.org" in html
    assert f"manage/invitations/{invitation.pk}/revoke/" in html
    assert f"manage/members/{cohort_member.pk}/remove/" in html
    assert f"manage/members/{cohort_member.pk}/role/" in html
    assert "csrfmiddlewaretoken" in html


@pytest.mark.parametrize("who", ["cohort_member", "outsider"])
def test_manage_page_is_404_for_non_facilitators(who, request, sign_in, cohort):
    client = sign_in(request.getfixturevalue(who))

    assert client.get(cohort_url(cohort, "manage/")).status_code == 404
    response = client.post(
        cohort_url(cohort, "manage/"), {"email": "x@example.org", "role": "member"}
    )
    assert response.status_code == 404
    assert Invitation.objects.count() == 0


def test_manage_invite_sends_invitation(
    sign_in, cohort, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    client = sign_in(facilitator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            cohort_url(cohort, "manage/"), {"email": "new@example.org", "role": "facilitator"}
        )

    assert response.status_code == 302
    assert response["Location"] == cohort_url(cohort, "manage/")
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("new@example.org", Role.FACILITATOR)
    assert len(mailoutbox) == 1
    assert any("Invitation sent to new@example.org" in m for m in page_messages(response))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email", "role": "member"}, "Enter a valid email address."),
        ({"email": "", "role": "member"}, "Enter the email address to invite."),
        ({"email": "a@example.org", "role": "boss"}, "Choose member or facilitator."),
    ],
)
def test_manage_invite_bad_input_shows_message_and_creates_nothing(
    sign_in, cohort, facilitator, mailoutbox, data, message
):
    response = sign_in(facilitator).post(cohort_url(cohort, "manage/"), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html
    assert "_error" in html  # the error list is tied to its field
    assert Invitation.objects.count() == 0
    assert mailoutbox == []


def test_manage_invite_existing_member_shows_message(sign_in, cohort, facilitator, cohort_member):
    response = sign_in(facilitator).post(
        cohort_url(cohort, "manage/"), {"email": cohort_member.email, "role": "member"}
    )

    assert response.status_code == 200
    assert "is already a member of" in response.content.decode()
    assert Invitation.objects.count() == 0


def test_manage_revoke_withdraws_invitation(sign_in, cohort, facilitator, invite):
    invitation, _ = invite()

    response = sign_in(facilitator).post(
        cohort_url(cohort, f"manage/invitations/{invitation.pk}/revoke/")
    )

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_manage_revoke_by_member_is_404_and_keeps_invitation(
    sign_in, cohort, cohort_member, invite
):
    invitation, _ = invite()

    response = sign_in(cohort_member).post(
        cohort_url(cohort, f"manage/invitations/{invitation.pk}/revoke/")
    )

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_manage_revoke_of_other_cohort_invitation_changes_nothing(sign_in, cohort, facilitator):
    other_facilitator = MembershipFactory(role=Role.FACILITATOR).user
    from collaboratives import services

    invitation, _ = services.invitation_create(
        cohort=other_facilitator.memberships.get().cohort,
        email="x@example.org",
        role=Role.MEMBER,
        invited_by=other_facilitator,
    )

    response = sign_in(facilitator).post(
        cohort_url(cohort, f"manage/invitations/{invitation.pk}/revoke/"), follow=True
    )

    assert "no longer pending" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_manage_revoke_get_is_not_allowed(sign_in, cohort, facilitator, invite):
    invitation, _ = invite()

    response = sign_in(facilitator).get(
        cohort_url(cohort, f"manage/invitations/{invitation.pk}/revoke/")
    )

    assert response.status_code == 405
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_manage_remove_member(sign_in, cohort, facilitator, cohort_member):
    response = sign_in(facilitator).post(
        cohort_url(cohort, f"manage/members/{cohort_member.pk}/remove/"), follow=True
    )

    assert response.status_code == 200
    assert f"{cohort_member.name} is no longer in {cohort.name}" in response.content.decode()
    assert Membership.objects.get(user=cohort_member).left_at is not None


def test_manage_remove_last_facilitator_shows_message_and_keeps_them(sign_in, cohort, facilitator):
    response = sign_in(facilitator).post(
        cohort_url(cohort, f"manage/members/{facilitator.pk}/remove/"), follow=True
    )

    assert "only facilitator" in response.content.decode()
    assert Membership.objects.get(user=facilitator).left_at is None


def test_manage_remove_by_member_is_404(sign_in, cohort, cohort_member, facilitator):
    response = sign_in(cohort_member).post(
        cohort_url(cohort, f"manage/members/{facilitator.pk}/remove/")
    )

    assert response.status_code == 404
    assert Membership.objects.get(user=facilitator).left_at is None


def test_manage_change_role_promotes(sign_in, cohort, facilitator, cohort_member):
    response = sign_in(facilitator).post(
        cohort_url(cohort, f"manage/members/{cohort_member.pk}/role/"), {"role": "facilitator"}
    )

    assert response.status_code == 302
    assert Membership.objects.get(user=cohort_member).role == Role.FACILITATOR


def test_manage_change_role_bad_role_shows_message_and_changes_nothing(
    sign_in, cohort, facilitator, cohort_member
):
    response = sign_in(facilitator).post(
        cohort_url(cohort, f"manage/members/{cohort_member.pk}/role/"),
        {"role": "owner"},
        follow=True,
    )

    assert "Choose member or facilitator." in response.content.decode()
    assert Membership.objects.get(user=cohort_member).role == Role.MEMBER


def test_manage_self_demotion_leaves_manage_page(sign_in, cohort, facilitator):
    MembershipFactory(cohort=cohort, role=Role.FACILITATOR)

    response = sign_in(facilitator).post(
        cohort_url(cohort, f"manage/members/{facilitator.pk}/role/"), {"role": "member"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/collaboratives/"
    assert Membership.objects.get(user=facilitator).role == Role.MEMBER


# --- invitation accept -----------------------------------------------------------------------


def accept_url(token):
    return f"/collaboratives/invitations/{token}/"


SIGN_UP = {
    "username": "newcomer",
    "display_name": "New Comer",
    "password": PASSWORD,
    "password_again": PASSWORD,
}


def test_accept_page_signed_out_shows_sign_up_form(client, invite, cohort, facilitator):
    _, token = invite("newcomer@example.org")

    response = client.get(accept_url(token))

    assert response.status_code == 200
    html = response.content.decode()
    assert cohort.name in html
    assert facilitator.name in html
    assert 'value="newcomer@example.org" readonly' in html
    for name in ("username", "display_name", "password", "password_again"):
        assert f'name="{name}"' in html
    assert f'href="/accounts/login/?next={accept_url(token)}"' in html
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_accept_page_signed_in_offers_join_button(sign_in, outsider, invite):
    _, token = invite()

    response = sign_in(outsider).get(accept_url(token))

    assert response.status_code == 200
    assert f"Join as {outsider.name}" in response.content.decode()
    assert 'name="password"' not in response.content.decode()


def test_accept_sign_up_creates_account_signs_in_and_redirects(client, invite, cohort):
    invitation, token = invite("newcomer@example.org")

    response = client.post(accept_url(token), SIGN_UP, follow=True)

    user = User.objects.get(username="newcomer")
    assert response.redirect_chain[-1][0] == cohort_url(cohort)
    assert response.status_code == 200
    assert response.wsgi_request.user == user
    assert f"Welcome to {cohort.name}" in response.content.decode()
    assert "New Comer" in response.content.decode()
    assert Membership.objects.filter(cohort=cohort, user=user, left_at__isnull=True).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_by == user


def test_accept_signed_in_join_adds_membership(sign_in, outsider, invite, cohort):
    _, token = invite()

    response = sign_in(outsider).post(accept_url(token))

    assert response.status_code == 302
    assert response["Location"] == cohort_url(cohort)
    assert Membership.objects.filter(cohort=cohort, user=outsider).exists()


def test_accept_signed_in_member_is_told_and_redirected(sign_in, cohort_member, invite, cohort):
    invitation, token = invite()

    response = sign_in(cohort_member).post(accept_url(token), follow=True)

    assert response.redirect_chain[-1][0] == cohort_url(cohort)
    assert "already a member" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password_again": "something-else-entirely-9"}, "The two passwords differ."),
        ({"password": "12345678", "password_again": "12345678"}, "too common"),
        ({"username": ""}, "Choose a username."),
        ({"username": "bad name!"}, "Enter a valid username."),
    ],
)
def test_accept_bad_sign_up_shows_error_and_creates_nothing(client, invite, change, message):
    invitation, token = invite("newcomer@example.org")

    response = client.post(accept_url(token), {**SIGN_UP, **change})

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html
    assert not User.objects.filter(email="newcomer@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not response.wsgi_request.user.is_authenticated


def test_accept_taken_username_shows_error_and_creates_nothing(
    client, invite, cohort_member, cohort
):
    invitation, token = invite("newcomer@example.org")

    response = client.post(accept_url(token), {**SIGN_UP, "username": cohort_member.username})

    assert "That username is taken" in response.content.decode()
    assert not User.objects.filter(email="newcomer@example.org").exists()
    assert Membership.objects.filter(cohort=cohort).count() == 2  # facilitator and member
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_accept_unknown_token_is_404_with_message(client, db):
    response = client.get(accept_url("not-a-real-token"))

    assert response.status_code == 404
    assert "This invitation link is not valid." in response.content.decode()


def test_accept_expired_is_410_with_message(client, invite):
    invitation, token = invite()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(hours=1)
    )

    response = client.post(accept_url(token), SIGN_UP)

    assert response.status_code == 410
    assert "This invitation has expired. Ask your facilitator for a new one." in (
        response.content.decode()
    )
    assert not User.objects.filter(username="newcomer").exists()


def test_accept_used_link_is_410_the_second_time(client, invite):
    _, token = invite()
    client.post(accept_url(token), SIGN_UP)
    client.logout()

    again = client.get(accept_url(token))
    second = client.post(accept_url(token), {**SIGN_UP, "username": "someone"})

    assert again.status_code == 410
    assert "This invitation has already been used." in again.content.decode()
    assert second.status_code == 410
    assert not User.objects.filter(username="someone").exists()


def test_accept_revoked_is_410(client, invite, facilitator):
    from collaboratives import services

    invitation, token = invite()
    services.invitation_revoke(invitation=invitation, by=facilitator)

    response = client.get(accept_url(token))

    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
