"""WebSocket routes of every app, wired in one list."""

from collaboratives.routing import websocket_urlpatterns as room_routes
from forums.routing import websocket_urlpatterns as forum_routes

websocket_urlpatterns = [*room_routes, *forum_routes]
