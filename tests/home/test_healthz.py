import pytest


@pytest.mark.django_db
def test_healthz_reports_every_component_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["components"]) == {"database", "channel_layer", "search"}
    assert all(component["ok"] for component in body["components"].values())


@pytest.mark.django_db
def test_healthz_is_503_when_a_component_fails(client, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "no.such.Layer"}}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    try:
        response = client.get("/healthz")
    finally:
        channel_layers.backends.clear()

    assert response.status_code == 503
    assert response.json()["components"]["channel_layer"]["ok"] is False
    assert response.json()["components"]["database"]["ok"] is True


def test_healthz_answers_503_quickly_when_the_database_hangs(client, db, monkeypatch):
    import threading
    import time

    from home import views

    released = threading.Event()
    # A database that takes the connection and never answers (as a pool waiting on a dead
    # server does): the probe must not wait with it.
    monkeypatch.setattr(views, "_database_round_trip", lambda: released.wait(10))
    monkeypatch.setattr(views, "DATABASE_DEADLINE_SECONDS", 0.3)
    started = time.monotonic()

    response = client.get("/healthz")

    released.set()
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert "did not answer within" in response.json()["components"]["database"]["error"]


def test_search_is_not_asked_while_the_database_is_not_answering(client, db, monkeypatch):
    # On PostgreSQL the search index is tables: during an outage its check waited for the
    # connection pool's whole timeout (10 s) after the database check had given up (3 s).
    import threading
    import time

    from home import views
    from resources import search

    released = threading.Event()
    asked = []
    monkeypatch.setattr(views, "_database_round_trip", lambda: released.wait(10))
    monkeypatch.setattr(views, "DATABASE_DEADLINE_SECONDS", 0.3)
    monkeypatch.setattr(search, "backend_status", lambda: asked.append(1) or released.wait(10))
    started = time.monotonic()

    response = client.get("/healthz")

    released.set()
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert asked == []
    assert "database is not answering" in response.json()["components"]["search"]["error"]
