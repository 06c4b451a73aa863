"""Password reset by email and password change, through the real views."""

import re

from django.urls import reverse

from tests.factories import PASSWORD

NEW_PASSWORD = "Fresh-river-stones-2025"
RESET_LINK = re.compile(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)")


def request_reset(client, email):
    return client.post(reverse("password_reset"), {"email": email})


def reset_link_from(mail) -> str:
    match = RESET_LINK.search(mail.body)
    assert match, mail.body
    return match.group(1)


def set_new_password(client, link, password=NEW_PASSWORD, confirm=None):
    landing = client.get(link)  # swaps the token for a session and redirects to the form
    assert landing.status_code == 302
    form_url = landing["Location"]
    return client.post(form_url, {"new_password1": password, "new_password2": confirm or password})


def signs_in(client, username, password) -> bool:
    client.post(reverse("login"), {"username": username, "password": password})
    signed_in = client.session.get("_auth_user_id") is not None
    client.post(reverse("logout"))
    return signed_in


def test_password_reset_whole_flow_sets_a_password_that_signs_in(client, outsider, mailoutbox):
    response = request_reset(client, outsider.email.upper())

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [outsider.email]
    assert mail.subject == "Reset your IMH Learning Collaborative password"
    assert outsider.username in mail.body

    done = set_new_password(client, reset_link_from(mail))

    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")
    assert "Your password is changed" in client.get(done["Location"]).content.decode()
    assert signs_in(client, outsider.username, NEW_PASSWORD)
    assert not signs_in(client, outsider.username, PASSWORD)


def test_password_reset_link_works_only_once(client, outsider, mailoutbox):
    request_reset(client, outsider.email)
    link = reset_link_from(mailoutbox[0])
    set_new_password(client, link)

    response = client.get(link, follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert "This reset link does not work" in html
    assert f'href="{reverse("password_reset")}"' in html
    assert 'name="new_password1"' not in html


def test_password_reset_bad_token_shows_a_clear_message(client, outsider, mailoutbox):
    request_reset(client, outsider.email)
    uid = reset_link_from(mailoutbox[0]).split("/")[3]

    response = client.get(f"/accounts/reset/{uid}/not-a-real-token/", follow=True)

    assert response.status_code == 200
    assert "This reset link does not work" in response.content.decode()


def test_password_reset_unknown_email_shows_the_same_page_and_sends_nothing(
    client, outsider, mailoutbox
):
    known = request_reset(client, outsider.email)
    unknown = request_reset(client, "nobody-here@example.org")

    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert len(mailoutbox) == 1  # only the known address got one
    assert mailoutbox[0].to == [outsider.email]


def test_password_reset_malformed_email_shows_a_field_message(client, outsider, mailoutbox):
    response = request_reset(client, "not an address")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address." in html
    assert 'aria-describedby="id_email_error"' in html
    assert mailoutbox == []


def test_password_reset_weak_password_shows_the_validator_messages(client, outsider, mailoutbox):
    request_reset(client, outsider.email)
    link = reset_link_from(mailoutbox[0])

    response = set_new_password(client, link, password="qwerty")

    html = response.content.decode()
    assert response.status_code == 200
    assert "This password is too common." in html
    assert "This password is too short." in html
    outsider.refresh_from_db()
    assert outsider.check_password(PASSWORD)


def test_password_reset_mismatched_confirmation_changes_nothing(client, outsider, mailoutbox):
    request_reset(client, outsider.email)

    response = set_new_password(
        client, reset_link_from(mailoutbox[0]), confirm="Another-river-stone-99"
    )

    assert response.status_code == 200
    assert "The two password fields didn’t match." in response.content.decode()
    outsider.refresh_from_db()
    assert outsider.check_password(PASSWORD)


def test_password_reset_ends_a_sign_in_lockout(client, outsider, mailoutbox):
    for _ in range(5):
        client.post(reverse("login"), {"username": outsider.email, "password": "wrong-guess"})
    locked = client.post(reverse("login"), {"username": outsider.username, "password": PASSWORD})
    assert locked.status_code == 429

    request_reset(client, outsider.email)
    set_new_password(client, reset_link_from(mailoutbox[0]))

    assert signs_in(client, outsider.username, NEW_PASSWORD)


def test_password_change_requires_sign_in(client, db):
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_password_change_sets_the_new_password_and_keeps_the_session(client, outsider):
    client.force_login(outsider)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert client.get(reverse("profile")).status_code == 200  # still signed in
    outsider.refresh_from_db()
    assert outsider.check_password(NEW_PASSWORD)


def test_password_change_wrong_old_password_changes_nothing(client, outsider):
    client.force_login(outsider)

    response = client.post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Your old password was entered incorrectly." in html
    assert 'aria-describedby="id_old_password_error"' in html
    outsider.refresh_from_db()
    assert outsider.check_password(PASSWORD)


def test_password_change_weak_password_shows_the_validator_messages(client, outsider):
    client.force_login(outsider)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "This password is entirely numeric." in html
    assert "This password is too common." in html
    outsider.refresh_from_db()
    assert outsider.check_password(PASSWORD)


def test_password_pages_list_the_password_rules(client, outsider):
    client.force_login(outsider)

    html = client.get(reverse("password_change")).content.decode()

    assert "Your password must contain at least 8 characters." in html
    assert 'aria-describedby="id_new_password1_helptext"' in html
