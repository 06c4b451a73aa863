"""Background work of the forums: the email digest of followed topics (see forums/digest.py)."""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from forums.digest import digests_send


@task(backend="queue")
def forum_digest_send(*, now: dt.datetime | str | None = None) -> int:
    """Email every due daily or weekly digest; safe to run again (nothing is sent twice)."""
    if isinstance(now, str):  # a queued task's arguments travel as JSON
        now = dt.datetime.fromisoformat(now)
    if now is not None and timezone.is_naive(now):
        now = timezone.make_aware(now)
    return digests_send(now=now)
