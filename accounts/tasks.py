"""Background work of accounts: the email digest of notifications nobody was there to read."""

import datetime as dt
import logging
from itertools import groupby

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from accounts.models import Notification

logger = logging.getLogger(__name__)

# A notification still unread this long after it arrived was not seen on a page: whoever was
# online had it in the header by then. Younger ones wait for the next run.
DIGEST_AFTER = dt.timedelta(minutes=10)


def _moment(now: dt.datetime | str | None) -> dt.datetime:
    # A queued task's arguments travel as JSON, so `now` may come back as an ISO string.
    if now is None:
        return timezone.now()
    moment = dt.datetime.fromisoformat(now) if isinstance(now, str) else now
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _digest_email(user, notifications: list[Notification], connection) -> mail.EmailMessage:
    count = len(notifications)
    lines = [f"Hello {user.name},", "", "This waited for you while you were away:", ""]
    for notification in notifications:
        lines.append(f"- {notification.text}")
        # Through the "open" link, following it also marks the notification read.
        lines.append(f"  {_absolute(reverse('notification-open', args=[notification.pk]))}")
    lines += [
        "",
        f"All your notifications: {_absolute(reverse('notifications'))}",
        "",
        "You get this email when a mention, a reply or a report stays unread for "
        f"{int(DIGEST_AFTER.total_seconds() // 60)} minutes. Each one is emailed once.",
    ]
    return mail.EmailMessage(
        subject=f"{count} new notification{'s' if count != 1 else ''} · IMH Collaborative",
        body="\n".join(lines) + "\n",
        to=[user.email],
        connection=connection,
    )


@task(backend="queue")
def notification_digest_send(*, now: dt.datetime | str | None = None) -> int:
    """Email each person one list of their unread, not yet emailed notifications older than
    DIGEST_AFTER, and mark those emailed. Returns the number of emails sent. Safe to run
    again, and at the same time as another run: each notification is claimed before it is
    sent, so it goes out at most once."""
    moment = _moment(now)
    pending = (
        Notification.objects.filter(
            read_at__isnull=True,
            emailed_at__isnull=True,
            created_at__lte=moment - DIGEST_AFTER,
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id", "created_at", "id")
    )
    groups = [list(group) for _, group in groupby(pending, key=lambda n: n.user_id)]
    if not groups:
        return 0
    sent = 0
    # One connection for the whole run, opened only when there is something to send.
    with mail.get_connection() as connection:
        for group in groups:
            try:
                sent += _send_one(group, moment=moment, connection=connection)
            except Exception:
                # One bad address must not hold back everyone else's digest; the claim was
                # rolled back, so the next run tries this person again.
                logger.exception("Notification digest to user %s failed", group[0].user_id)
    return sent


def _send_one(group: list[Notification], *, moment: dt.datetime, connection) -> int:
    ids = [notification.pk for notification in group]
    with transaction.atomic():
        # The claim: only rows still unread and un-emailed now are ours to send.
        claimed = Notification.objects.filter(
            pk__in=ids, read_at__isnull=True, emailed_at__isnull=True
        ).update(emailed_at=moment)
        if not claimed:
            return 0
        mine = list(
            Notification.objects.filter(pk__in=ids, emailed_at=moment).order_by("created_at", "id")
        )
        _digest_email(group[0].user, mine, connection).send()
    return 1
