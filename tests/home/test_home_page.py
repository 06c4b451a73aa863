from accounts.models import User
from resources.models import ResourcePage


def test_home_page_tells_a_visitor_what_endorsement_is(demo, client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "What is endorsement?" in html
    assert "Sign in" in html
    assert "Your cohort" not in html


def test_home_page_never_shows_members_only_resources_to_a_visitor(demo, client):
    hidden = ResourcePage.objects.filter(members_only=True).values_list("title", flat=True)

    html = client.get("/").content.decode()

    assert hidden
    for title in hidden:
        assert title not in html


def test_home_page_shows_a_member_their_cohort_room_and_next_session(demo, client):
    client.force_login(User.objects.get(username="member1"))

    response = client.get("/")

    html = response.content.decode()
    assert "Welcome back" in html
    assert "Your next session" in html
    assert "Cohort A discussion" in html
    next_session = response.context["next_session"]
    assert next_session is not None
    assert f'href="{next_session.get_absolute_url()}"' in html
    assert client.get(next_session.get_absolute_url()).status_code == 200


def test_home_page_for_someone_in_no_cohort_explains_how_to_join(demo, client):
    client.force_login(User.objects.get(username="outsider"))

    html = client.get("/").content.decode()

    assert "You are not in a cohort yet" in html
    assert "Cohort A discussion" not in html


def test_home_page_query_count_does_not_grow_with_resources(
    demo, client, django_assert_max_num_queries
):
    client.force_login(User.objects.get(username="member1"))
    client.get("/")  # warm caches (site root, settings)

    with django_assert_max_num_queries(25):
        assert client.get("/").status_code == 200
