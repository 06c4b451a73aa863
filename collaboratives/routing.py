"""WebSocket routes of the cohort rooms."""

websocket_urlpatterns: list = []
