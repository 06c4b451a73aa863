"""Writes on sessions: scheduling one-off sessions and expanding recurring series."""

import datetime as dt
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django.db import transaction
from django.utils import timezone

from accounts.errors import DomainError
from events.models import Session, SessionSeries

# How far ahead a series is expanded into stored sessions; later ones appear as time passes.
SERIES_HORIZON = dt.timedelta(days=400)
SERIES_MAX_OCCURRENCES = 200


def series_occurrences(*, series: SessionSeries, until: dt.datetime) -> list[dt.datetime]:
    """Start times (aware, UTC) of a series up to `until`, keeping the local wall-clock time.

    The rule is evaluated on naive local times and each is then placed in the series' zone, so
    a noon session stays at noon across daylight-saving changes.
    """
    zone = ZoneInfo(series.timezone)
    first_local = timezone.localtime(series.first_start, zone).replace(tzinfo=None)
    until_local = timezone.localtime(until, zone).replace(tzinfo=None)
    try:
        rule = rrulestr(series.rrule, dtstart=first_local)
    except (ValueError, TypeError) as error:
        raise DomainError(f"The recurrence rule is not valid: {error}", field="rrule") from error
    starts = []
    for local_start in rule:
        if local_start > until_local or len(starts) >= SERIES_MAX_OCCURRENCES:
            break
        starts.append(local_start.replace(tzinfo=zone).astimezone(dt.UTC))
    return starts


@transaction.atomic
def series_expand(*, series: SessionSeries, template: dict | None = None) -> list[Session]:
    """Store the occurrences of a series within the horizon that are not stored yet."""
    template = template or {}
    existing = set(series.sessions.values_list("starts_at", flat=True))
    created = []
    duration = dt.timedelta(minutes=series.duration_minutes)
    for start in series_occurrences(series=series, until=timezone.now() + SERIES_HORIZON):
        if start in existing:
            continue
        created.append(
            Session.objects.create(
                collaborative=series.collaborative,
                cohort=series.cohort,
                series=series,
                title=series.title,
                starts_at=start,
                ends_at=start + duration,
                timezone=series.timezone,
                **template,
            )
        )
    return created
