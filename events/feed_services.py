"""Personal calendar feed tokens: made, rotated and revoked by their owner; found by their hash."""

import hashlib
import re
import secrets

from django.db import transaction

from accounts.audit import audit_record
from events.models import CalendarFeedToken

# 16 random bytes are the 128 bits the feed address needs; URL-safe base64 makes 22 characters.
TOKEN_BYTES = 16
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@transaction.atomic
def calendar_feed_token_rotate(*, user) -> str:
    """Give `user` a new feed secret (the old address stops working); returns it, once."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    had_one = CalendarFeedToken.objects.filter(user=user).exists()
    record, _ = CalendarFeedToken.objects.update_or_create(
        user=user, defaults={"token_hash": _digest(token)}
    )
    audit_record(
        actor=user,
        action="calendar_feed.rotate" if had_one else "calendar_feed.create",
        target=record,
    )
    return token


@transaction.atomic
def calendar_feed_token_revoke(*, user) -> bool:
    """Stop `user`'s feed address from working; False when there was none."""
    record = CalendarFeedToken.objects.filter(user=user).first()
    if record is None:
        return False
    audit_record(actor=user, action="calendar_feed.revoke", target=record)
    record.delete()
    return True


def calendar_feed_user_for(*, token: str):
    """The active member whose feed secret this is, or None (also for malformed input)."""
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        return None
    record = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token_hash=_digest(token), user__is_active=True)
        .first()
    )
    return record.user if record else None
