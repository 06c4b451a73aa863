"""Static files with hashed names and long cache headers; the benchmark floor view."""

import importlib

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.urls import clear_url_caches

YEAR = 31_536_000


def _max_age(response) -> int:
    for part in response["Cache-Control"].split(","):
        name, _, value = part.strip().partition("=")
        if name == "max-age":
            return int(value)
    raise AssertionError(f"no max-age in {response['Cache-Control']!r}")


def test_hashed_static_file_cached_for_at_least_a_year(client):
    url = staticfiles_storage.url("css/site.css")

    response = client.get(url)

    assert url != "/static/css/site.css"  # the manifest gave it a hashed name
    assert response.status_code == 200
    assert _max_age(response) >= YEAR
    assert "immutable" in response["Cache-Control"]


def test_unhashed_static_name_cached_briefly(client):
    response = client.get("/static/css/site.css")

    assert response.status_code == 200
    assert _max_age(response) < 3600


@pytest.fixture
def floor_routed(settings):
    """The URLconf as a process started with BENCH_FLOOR=1 builds it."""
    import config.urls

    settings.BENCH_FLOOR = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.BENCH_FLOOR = False
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_floor_view_not_routed_by_default(client):
    response = client.get("/bench/floor", follow=True)

    assert response.status_code == 404
    assert response.content != b"floor\n"


@pytest.mark.django_db
def test_floor_view_answers_fixed_text_when_enabled(client, floor_routed):
    response = client.get("/bench/floor")

    assert response.status_code == 200
    assert response.content == b"floor\n"


@pytest.mark.django_db
def test_floor_view_refuses_other_methods(client, floor_routed):
    response = client.post("/bench/floor", {"x": "1"})

    assert response.status_code == 405
