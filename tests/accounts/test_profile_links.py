"""The profile page leads to every personal setting, each of which answers the member."""

import re

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_profile_links_reach_every_setting_page(client):
    client.force_login(UserFactory(), backend="accounts.backends.UsernameOrEmailBackend")

    page = client.get("/accounts/profile/").content.decode()
    card = page.split("Your settings", 1)[1].split("</ul>", 1)[0]
    links = re.findall(r'href="([^"]+)"', card)

    assert len(links) == 7
    for link in links:
        assert client.get(link).status_code == 200, link
