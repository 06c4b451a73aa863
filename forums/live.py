"""Telling open topic pages about new replies, after the database has committed.

A frame carries ids only, never text: the page fetches the new posts over HTTP, where the
access rules run again, so the socket cannot leak what its reader may no longer read.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def topic_group(topic_id: int) -> str:
    return f"forum-topic-{int(topic_id)}"


def _send(topic_id: int, post_id: int) -> None:
    try:
        async_to_sync(get_channel_layer().group_send)(
            topic_group(topic_id), {"type": "forum.post", "post": int(post_id)}
        )
    except Exception:  # the reply is stored; readers see it on their next load
        logger.exception("Could not announce post %s of topic %s", post_id, topic_id)


def post_published(*, topic_id: int, post_id: int) -> None:
    transaction.on_commit(lambda: _send(topic_id, post_id))
