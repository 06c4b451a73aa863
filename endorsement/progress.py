"""Progress toward an endorsement goal: pure functions over entries and requirement data.

Nothing here touches the database. Callers turn ledger entries into the small facts below and
pass the requirement in force (a CategoryRequirement or RenewalRule, or anything with the same
attributes), so every number comes from data staff edit, never from this module.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta

ZERO = Decimal("0")
PACE_MONTHS = 3  # the forecast reads the pace of the last three months, as the issue asks


@dataclass(frozen=True)
class TrainingFact:
    date: dt.date
    hours: Decimal
    area_ids: frozenset[int] = frozenset()
    about_providing_rsc: bool = False


@dataclass(frozen=True)
class RscFact:
    date: dt.date
    hours: Decimal
    status: str  # "pending", "confirmed" or "declined"
    provider_qualifies: bool
    peer_group: bool = False
    about_rsc_provided: bool = False


@dataclass(frozen=True)
class Forecast:
    reached: bool
    reach_month: dt.date | None  # first day of the month the target is reached
    monthly_pace: Decimal
    remaining: Decimal

    @property
    def text(self) -> str:
        if self.reached:
            return "reached"
        if self.reach_month is None:
            return "no recent hours to forecast from"
        return self.reach_month.strftime("%B %Y")


@dataclass
class RscProgress:
    required: Decimal | None
    window_min_months: int | None
    window_max_months: int | None
    window_start: dt.date | None
    confirmed: Decimal = ZERO
    pending: Decimal = ZERO
    about_provided_required: Decimal | None = None
    about_provided_confirmed: Decimal = ZERO
    excluded: list[tuple[RscFact, str]] = field(default_factory=list)
    span_months: int = 0
    forecast: Forecast | None = None

    @property
    def applies(self) -> bool:
        return self.required is not None

    @property
    def span_ok(self) -> bool:
        return self.window_min_months is None or self.span_months >= self.window_min_months

    @property
    def met(self) -> bool:
        if not self.applies:
            return True
        about_ok = (
            self.about_provided_required is None
            or self.about_provided_confirmed >= self.about_provided_required
        )
        return self.confirmed >= self.required and self.span_ok and about_ok

    @property
    def remaining(self) -> Decimal:
        if not self.applies:
            return ZERO
        return max(self.required - self.confirmed, ZERO)


@dataclass
class TrainingProgress:
    required: Decimal
    total: Decimal
    by_area: dict[int, Decimal]
    forecast: Forecast
    about_rsc_required: Decimal | None = None
    about_rsc_total: Decimal = ZERO

    @property
    def met(self) -> bool:
        about_ok = (
            self.about_rsc_required is None or self.about_rsc_total >= self.about_rsc_required
        )
        return self.total >= self.required and about_ok

    @property
    def remaining(self) -> Decimal:
        return max(self.required - self.total, ZERO)


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from `start` to `end` (0 when end is before start)."""
    if end < start:
        return 0
    delta = relativedelta(end, start)
    return delta.years * 12 + delta.months


def forecast(
    *, dated_hours: Iterable[tuple[dt.date, Decimal]], have: Decimal, target: Decimal, on: dt.date
) -> Forecast:
    """When `target` is reached at the pace of the last PACE_MONTHS months before `on`."""
    remaining = max(target - have, ZERO)
    since = on - relativedelta(months=PACE_MONTHS)
    recent = sum((hours for date, hours in dated_hours if since < date <= on), ZERO)
    pace = (recent / PACE_MONTHS).quantize(Decimal("0.01"))
    if remaining <= 0:
        return Forecast(reached=True, reach_month=None, monthly_pace=pace, remaining=ZERO)
    if recent <= 0:
        return Forecast(reached=False, reach_month=None, monthly_pace=pace, remaining=remaining)
    months = math.ceil(remaining / (recent / PACE_MONTHS))
    month = (on + relativedelta(months=months)).replace(day=1)
    return Forecast(reached=False, reach_month=month, monthly_pace=pace, remaining=remaining)


def training_progress(
    *,
    facts: Sequence[TrainingFact],
    required: Decimal,
    on: dt.date,
    since: dt.date | None = None,
    about_rsc_required: Decimal | None = None,
) -> TrainingProgress:
    """Training hours (from `since` when given, e.g. a renewal cycle) against `required`.

    An entry that covers several Areas of Expertise counts its hours toward each of them, as a
    training log lists every area a training addressed; the total counts each entry once.
    """
    counted = [f for f in facts if f.date <= on and (since is None or f.date >= since)]
    total = sum((f.hours for f in counted), ZERO)
    by_area: dict[int, Decimal] = {}
    for fact in counted:
        for area_id in fact.area_ids:
            by_area[area_id] = by_area.get(area_id, ZERO) + fact.hours
    about = sum((f.hours for f in counted if f.about_providing_rsc), ZERO)
    return TrainingProgress(
        required=Decimal(required),
        total=total,
        by_area=by_area,
        forecast=forecast(
            dated_hours=[(f.date, f.hours) for f in counted], have=total, target=required, on=on
        ),
        about_rsc_required=about_rsc_required,
        about_rsc_total=about,
    )


def rsc_exclusion_reason(fact: RscFact) -> str | None:
    """Why an RSC entry does not count at all, or None when it counts (confirmed or pending)."""
    if fact.peer_group:
        return "Peer supervision with no qualifying provider does not count."
    if not fact.provider_qualifies:
        return "The provider does not hold an endorsement that qualifies them to provide RSC."
    if fact.status == "declined":
        return "The provider declined this entry."
    return None


def rsc_progress(
    *,
    facts: Sequence[RscFact],
    required: Decimal | None,
    window_min_months: int | None,
    window_max_months: int | None,
    on: dt.date,
    about_provided_required: Decimal | None = None,
    since: dt.date | None = None,
) -> RscProgress:
    """RSC hours against `required` inside the window that ends on `on`.

    The window is the last `window_max_months` months up to `on` (an entry dated exactly on the
    window's first day counts, the day before does not); the counted hours must also spread over
    at least `window_min_months` months, measured from the earliest counted entry to `on`.
    `since` (a renewal cycle's start) narrows the window further.
    """
    window_start = on - relativedelta(months=window_max_months) if window_max_months else None
    if since is not None:
        window_start = max(window_start, since) if window_start else since
    progress = RscProgress(
        required=Decimal(required) if required is not None else None,
        window_min_months=window_min_months,
        window_max_months=window_max_months,
        window_start=window_start,
        about_provided_required=about_provided_required,
    )
    counted_dates: list[dt.date] = []
    counting: list[RscFact] = []
    for fact in facts:
        if fact.date > on:
            progress.excluded.append((fact, "Dated in the future."))
            continue
        if window_start is not None and fact.date < window_start:
            progress.excluded.append((fact, "Outside the window."))
            continue
        reason = rsc_exclusion_reason(fact)
        if reason:
            progress.excluded.append((fact, reason))
            continue
        counting.append(fact)
        if fact.status == "confirmed":
            progress.confirmed += fact.hours
            counted_dates.append(fact.date)
            if fact.about_rsc_provided:
                progress.about_provided_confirmed += fact.hours
        else:
            progress.pending += fact.hours
    if counted_dates:
        progress.span_months = months_between(min(counted_dates), on)
    if progress.applies:
        progress.forecast = forecast(
            dated_hours=[(f.date, f.hours) for f in counting],
            have=progress.confirmed + progress.pending,
            target=progress.required,
            on=on,
        )
    return progress


@dataclass(frozen=True)
class Cycle:
    start: dt.date
    due: dt.date
    years: int


def renewal_cycle(
    *, cycle_years: int, next_due: dt.date | None, anchor: dt.date | None, on: dt.date
) -> Cycle:
    """The renewal cycle that contains `on`.

    With a fixed due date (PA-AIMH's 3-year cycle) the cycle ends on `next_due` (or on the next
    one after it, stepping by the cycle's length). Otherwise cycles run from `anchor` (the date the
    endorsement was earned; `on` itself when unknown) in steps of `cycle_years`.
    """
    step = relativedelta(years=cycle_years)
    if next_due is not None:
        due = next_due
        while due < on:
            due += step
        while due - step >= on:
            due -= step
        return Cycle(start=due - step + dt.timedelta(days=1), due=due, years=cycle_years)
    start = anchor or on
    while start + step <= on:
        start += step
    while start > on:
        start -= step
    return Cycle(start=start, due=start + step - dt.timedelta(days=1), years=cycle_years)


def status_label(*, met: bool, forecast_month: dt.date | None, on: dt.date, horizon: int) -> str:
    """ "on track" when the goal is met or forecast within `horizon` months; else "behind"."""
    if met:
        return "on track"
    if forecast_month is not None and forecast_month <= on + relativedelta(months=horizon):
        return "on track"
    return "behind"
