import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accounts.errors import DomainError
from events.models import SessionSeries
from events.services import series_expand, series_occurrences
from tests.factories import CollaborativeFactory

NEW_YORK = ZoneInfo("America/New_York")


def _series(**fields) -> SessionSeries:
    defaults = {
        "collaborative": CollaborativeFactory(),
        "title": "Consultation",
        "rrule": "FREQ=WEEKLY;COUNT=3",
        "first_start": dt.datetime(2026, 10, 25, 12, 0, tzinfo=NEW_YORK),
        "duration_minutes": 60,
        "timezone": "America/New_York",
    }
    defaults.update(fields)
    return SessionSeries.objects.create(**defaults)


@pytest.mark.django_db
def test_series_occurrences_keep_wall_clock_time_across_the_november_change():
    series = _series()

    starts = series_occurrences(series=series, until=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))

    local = [start.astimezone(NEW_YORK) for start in starts]
    assert [moment.hour for moment in local] == [12, 12, 12]
    # 2026-11-01 ends daylight saving: noon is 16:00 UTC before and 17:00 UTC after.
    assert [start.hour for start in starts] == [16, 17, 17]


@pytest.mark.django_db
def test_series_occurrences_keep_wall_clock_time_across_the_march_change():
    series = _series(
        rrule="FREQ=WEEKLY;COUNT=2", first_start=dt.datetime(2027, 3, 9, 12, 0, tzinfo=NEW_YORK)
    )

    starts = series_occurrences(series=series, until=dt.datetime(2027, 4, 1, tzinfo=dt.UTC))

    assert [start.hour for start in starts] == [17, 16]


@pytest.mark.django_db
def test_series_occurrences_second_tuesday_rule():
    series = _series(
        rrule="FREQ=MONTHLY;BYDAY=2TU;COUNT=3",
        first_start=dt.datetime(2026, 12, 1, 12, 0, tzinfo=NEW_YORK),
    )

    starts = series_occurrences(series=series, until=dt.datetime(2027, 6, 1, tzinfo=dt.UTC))

    assert [start.astimezone(NEW_YORK).date() for start in starts] == [
        dt.date(2026, 12, 8),
        dt.date(2027, 1, 12),
        dt.date(2027, 2, 9),
    ]


@pytest.mark.django_db
def test_series_expand_stores_each_occurrence_once():
    series = _series(first_start=dt.datetime.now(NEW_YORK) + dt.timedelta(days=1))

    first = series_expand(series=series)
    again = series_expand(series=series)

    assert len(first) == 3
    assert again == []
    assert series.sessions.count() == 3


@pytest.mark.django_db
def test_series_with_a_bad_rule_is_refused_and_stores_nothing():
    series = _series(rrule="FREQ=SOMETIMES")

    with pytest.raises(DomainError, match="recurrence rule"):
        series_expand(series=series)

    assert series.sessions.count() == 0


@pytest.mark.django_db
def test_series_extends_as_time_passes_with_the_latest_edit(monkeypatch):
    from events import services
    from events.services import SCOPE_FOLLOWING, SessionFields, series_extend_all, session_update
    from tests.factories import CohortFactory, MembershipFactory

    cohort = CohortFactory()
    facilitator = MembershipFactory(cohort=cohort, role="facilitator").user
    first = (dt.datetime.now(NEW_YORK) + dt.timedelta(days=2)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    fields = SessionFields(
        title="Weekly",
        kind="case-consultation",
        starts_at=first,
        ends_at=first + dt.timedelta(hours=1),
        timezone="America/New_York",
        capacity=8,
    )
    monkeypatch.setattr(services, "SERIES_HORIZON", dt.timedelta(days=31))
    series = services.series_schedule(
        actor=facilitator,
        collaborative=cohort.collaborative,
        fields=fields,
        rrule="FREQ=WEEKLY",
        count=10,
    )
    stored = list(series.sessions.order_by("starts_at"))
    assert len(stored) == 5
    moved = fields.starts_at.replace(hour=15) + dt.timedelta(weeks=2)
    fields.starts_at, fields.ends_at = moved, moved + dt.timedelta(hours=1)
    session_update(actor=facilitator, session=stored[2], fields=fields, scope=SCOPE_FOLLOWING)
    monkeypatch.setattr(services, "SERIES_HORIZON", dt.timedelta(days=400))

    assert series_extend_all() == 5
    assert series_extend_all() == 0

    hours = [s.starts_at.astimezone(NEW_YORK).hour for s in series.sessions.order_by("starts_at")]
    assert hours == [12, 12] + [15] * 8
    assert {s.capacity for s in series.sessions.all()} == {8}
