"""Notifications: what needs a person's attention, shown in the header menu."""

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Notification

TEXT_LIMIT = 300
# The header shows the unread count on every page; it is cached per person and forgotten when
# that person is notified or reads. A notification made in another process that keeps its own
# cache (the embedded default's scheduler) shows within this many seconds.
UNREAD_COUNT_SECONDS = 30


def _count_key(user_id: int) -> str:
    return f"notifications:unread-count:{user_id}"


def _forget_counts(user_ids) -> None:
    keys = [_count_key(user_id) for user_id in user_ids]
    cache.delete_many(keys)
    # Again after the commit: a count read meanwhile, from the rows before it, is not kept.
    transaction.on_commit(lambda: cache.delete_many(keys))


def notify(*, user_ids: Iterable[int], kind: str, text: str, url: str) -> list[Notification]:
    """Tell each of these people something; duplicates in `user_ids` are notified once."""
    user_ids = list(dict.fromkeys(user_ids))
    made = Notification.objects.bulk_create(
        Notification(user_id=user_id, kind=kind, text=text[:TEXT_LIMIT], url=url[:500])
        for user_id in user_ids
    )
    _forget_counts(user_ids)
    return made


def notifications_unread_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at__isnull=True)


def notifications_unread_count(*, user) -> int:
    count = cache.get(_count_key(user.pk))
    if count is None:
        count = notifications_unread_for(user=user).count()
        cache.set(_count_key(user.pk), count, UNREAD_COUNT_SECONDS)
    return count


def notifications_forget(*, user) -> None:
    """For code that changes a person's notifications other than through this module."""
    _forget_counts([user.pk])


def notifications_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark some (or, with None, all) of `user`'s notifications read; others' are untouched."""
    queryset = notifications_unread_for(user=user)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    marked = queryset.update(read_at=timezone.now())
    _forget_counts([user.pk])
    return marked
