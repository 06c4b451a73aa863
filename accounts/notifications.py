"""Notifications: what needs a person's attention, shown in the header menu."""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Notification

TEXT_LIMIT = 300


def notify(*, user_ids: Iterable[int], kind: str, text: str, url: str) -> list[Notification]:
    """Tell each of these people something; duplicates in `user_ids` are notified once."""
    return Notification.objects.bulk_create(
        Notification(user_id=user_id, kind=kind, text=text[:TEXT_LIMIT], url=url[:500])
        for user_id in dict.fromkeys(user_ids)
    )


def notifications_unread_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at__isnull=True)


def notifications_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark some (or, with None, all) of `user`'s notifications read; others' are untouched."""
    queryset = notifications_unread_for(user=user)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=list(notification_ids))
    return queryset.update(read_at=timezone.now())
