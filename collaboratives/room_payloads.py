"""The JSON shapes of room messages, as docs/realtime.md describes them."""

from django.utils.text import Truncator

from collaboratives.models import RoomMessage

EXCERPT_CHARS = 140


def _iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def reactions_payload(message: RoomMessage) -> list[dict]:
    """Reactions grouped by emoji in the order they first appeared (needs `reactions` loaded)."""
    grouped: dict[str, list[int]] = {}
    for reaction in message.reactions.all():
        grouped.setdefault(reaction.emoji, []).append(reaction.user_id)
    return [
        {"emoji": emoji, "count": len(users), "users": users} for emoji, users in grouped.items()
    ]


def message_payload(message: RoomMessage, reactions: list[dict] | None = None) -> dict:
    """`reactions` when the caller knows them (a new message has none); else they are read."""
    deleted = message.deleted_at is not None
    reply = message.reply_to
    return {
        "id": message.pk,
        "room": message.room_id,
        "prev_id": message.prev_id,
        "author": {"id": message.author_id, "name": message.author.name},
        "body": "" if deleted else message.body,
        "html": "" if deleted else message.html,
        "created": _iso(message.created_at),
        "edited": _iso(message.edited_at),
        "deleted": deleted,
        "client_id": str(message.client_id),
        "reply_to": (
            {
                "id": reply.pk,
                "author": reply.author.name,
                "excerpt": "" if reply.deleted_at else Truncator(reply.body).chars(EXCERPT_CHARS),
            }
            if reply
            else None
        ),
        "mentions": list(message.mentions or []),
        "reactions": reactions_payload(message) if reactions is None else reactions,
    }
