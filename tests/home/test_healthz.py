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
