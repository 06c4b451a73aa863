"""Reads behind the calendar feeds, with the same visibility rules as the session pages."""

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from events.models import Rsvp, Session
from events.selectors import sessions_visible_to

# A feed carries recent past sessions too, so a calendar keeps what happened last month.
FEED_PAST = dt.timedelta(days=92)
FEED_LIMIT = 500


def _window(sessions: QuerySet[Session]) -> QuerySet[Session]:
    return (
        sessions.filter(ends_at__gte=timezone.now() - FEED_PAST)
        .select_related("collaborative")
        .order_by("starts_at", "id")[:FEED_LIMIT]
    )


def feed_sessions_of_collaborative(*, collaborative, user=None) -> QuerySet[Session]:
    """The collaborative's sessions that `user` (or, with None, any visitor) may see."""
    viewer = user if user is not None else AnonymousUser()
    return _window(sessions_visible_to(user=viewer).filter(collaborative=collaborative))


def feed_sessions_of_member(*, user) -> tuple[list[Session], dict[int, str]]:
    """Sessions the member RSVP'd to (going or waitlisted) and may still see, with statuses."""
    rsvps = Rsvp.objects.filter(user=user, status__in=[Rsvp.Status.GOING, Rsvp.Status.WAITLISTED])
    sessions = list(
        _window(sessions_visible_to(user=user).filter(pk__in=rsvps.values("session_id")))
    )
    statuses = dict(
        rsvps.filter(session_id__in=[s.pk for s in sessions]).values_list("session_id", "status")
    )
    return sessions, statuses
