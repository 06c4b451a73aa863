"""WebSocket routes of the forums."""

from django.urls import path

from forums.consumers import TopicConsumer

websocket_urlpatterns = [
    path("ws/forums/topics/<int:topic_id>/", TopicConsumer.as_asgi()),
]
