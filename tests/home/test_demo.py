import pytest
from django.core.management import call_command

from accounts.models import User
from collaboratives.models import Membership, Role, Room
from events.models import Session, Visibility
from forums.models import Topic
from resources.models import ResearchUpdatePage, ResourcePage


def _counts() -> dict:
    return {
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "rooms": Room.objects.count(),
        "sessions": Session.objects.count(),
        "topics": Topic.objects.count(),
        "resources": ResourcePage.objects.count(),
        "research": ResearchUpdatePage.objects.count(),
    }


def test_demo_creates_the_contracted_accounts_and_content(demo, settings):
    for username in ("staff", "facilitator", "member1", "member2", "outsider"):
        assert User.objects.get(username=username).check_password(settings.DEMO_PASSWORD)
    staff = User.objects.get(username="staff")
    assert staff.is_superuser and staff.groups.filter(name="Staff editors").exists()
    cohort_roles = dict(
        Membership.objects.filter(left_at__isnull=True).values_list("user__username", "role")
    )
    assert cohort_roles == {
        "facilitator": Role.FACILITATOR,
        "member1": Role.MEMBER,
        "member2": Role.MEMBER,
    }
    assert Session.objects.filter(series__isnull=False).count() >= 2
    assert Session.objects.filter(visibility=Visibility.PUBLIC).exists()
    published = ResourcePage.objects.live().count() + ResearchUpdatePage.objects.live().count()
    assert published >= 30
    assert ResourcePage.objects.live().filter(members_only=True).exists()
    assert (
        ResourcePage.objects.live().filter(competency_items__isnull=False).distinct().count() > 20
    )
    assert Topic.objects.exists()


def test_demo_run_twice_changes_nothing(demo):
    before = _counts()

    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert _counts() == before


def test_demo_has_a_public_resource_matching_attachment(demo, client):
    response = client.get("/api/search/", {"q": "attachment"})

    assert response.status_code == 200
    assert response.json()["total"] >= 1


@pytest.mark.django_db
def test_demo_password_comes_from_the_environment(settings):
    settings.DEMO_PASSWORD = "another-demo-passphrase"

    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert User.objects.get(username="member1").check_password("another-demo-passphrase")
