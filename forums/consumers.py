"""The topic WebSocket (`/ws/forums/topics/<id>/`): tells an open topic page that replies came.

Frames carry post ids only; the page fetches the posts over HTTP through the access rules.
Access is checked at connect and again every FORUMS_ACCESS_RECHECK_SECONDS, so someone who
leaves the cohort stops hearing about the topic.
"""

import asyncio
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.http import Http404

from forums import selectors
from forums.live import topic_group

CLOSE_SIGNED_OUT = 4401
CLOSE_FORBIDDEN = 4403


class TopicConsumer(AsyncWebsocketConsumer):
    group = None
    _recheck = None

    async def connect(self):
        # Accept first: a close code reaches the browser only on an open socket.
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        self.topic_id = self.scope["url_route"]["kwargs"]["topic_id"]
        if not await self._may_read():
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = topic_group(self.topic_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self._recheck = asyncio.ensure_future(self._recheck_access())

    async def disconnect(self, code):
        if self._recheck is not None:
            self._recheck.cancel()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """The page only listens; anything it sends is ignored."""

    async def forum_post(self, event):
        await self.send(text_data=json.dumps({"type": "post", "post": int(event["post"])}))

    @database_sync_to_async
    def _may_read(self) -> bool:
        from django.contrib.auth import get_user_model

        # A fresh copy: group and membership caches on the connect-time user would go stale.
        user = get_user_model().objects.filter(pk=self.scope["user"].pk, is_active=True).first()
        if user is None:
            return False
        try:
            selectors.topic_for(user=user, topic_id=self.topic_id)
        except Http404:
            return False
        return True

    async def _recheck_access(self):
        while True:
            await asyncio.sleep(settings.FORUMS_ACCESS_RECHECK_SECONDS)
            if not await self._may_read():
                await self.close(code=CLOSE_FORBIDDEN)
                return
