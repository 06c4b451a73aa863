"""WebSocket routes of the cohort rooms."""

from django.urls import path

from collaboratives.consumers import RoomConsumer

websocket_urlpatterns = [
    path("ws/rooms/<int:room_id>/", RoomConsumer.as_asgi()),
]
