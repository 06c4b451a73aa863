"""WebSocket routes of every app, wired in one list."""

from collaboratives.routing import websocket_urlpatterns as room_routes

websocket_urlpatterns = [*room_routes]
