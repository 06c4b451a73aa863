"""The progress rules as pure functions: RSC window edges, qualifying providers, pace."""

import datetime as dt
from decimal import Decimal as D

from endorsement.progress import (
    RscFact,
    TrainingFact,
    forecast,
    renewal_cycle,
    rsc_progress,
    training_progress,
)

ON = dt.date(2026, 11, 26)


def rsc(date, hours, status="confirmed", qualifies=True, peer=False, about=False):
    return RscFact(
        date=date,
        hours=D(hours),
        status=status,
        provider_qualifies=qualifies,
        peer_group=peer,
        about_rsc_provided=about,
    )


def ifs_rsc(facts, on=ON, **extra):
    """IFS-like requirement data: 24 hours within 12-24 months (values passed in, as from data)."""
    return rsc_progress(
        facts=facts,
        required=D("24"),
        window_min_months=12,
        window_max_months=24,
        on=on,
        **extra,
    )


def spread(total_hours: str, *, months_back: int = 13):
    """One confirmed entry 13 months ago plus the rest today, so the spread rule holds."""
    first = ON.replace(year=ON.year - 1) - dt.timedelta(days=31)
    rest = D(total_hours) - D("1")
    return [rsc(first, "1"), rsc(ON, str(rest))]


def test_rsc_23_5_hours_is_not_met():
    progress = ifs_rsc(spread("23.5"))

    assert progress.confirmed == D("23.5")
    assert not progress.met
    assert progress.remaining == D("0.5")


def test_rsc_24_hours_is_met():
    progress = ifs_rsc(spread("24"))

    assert progress.confirmed == D("24")
    assert progress.met


def test_rsc_entry_on_the_window_start_counts_and_the_day_before_does_not():
    start = dt.date(2024, 11, 26)  # 24 months before ON
    progress = ifs_rsc([rsc(start, "2"), rsc(start - dt.timedelta(days=1), "3")])

    assert progress.window_start == start
    assert progress.confirmed == D("2")
    assert [reason for _, reason in progress.excluded] == ["Outside the window."]


def test_rsc_hours_within_less_than_the_minimum_span_are_not_met():
    progress = ifs_rsc([rsc(ON - dt.timedelta(days=200), "12"), rsc(ON, "12")])

    assert progress.confirmed == D("24")
    assert progress.span_months == 6
    assert not progress.span_ok
    assert not progress.met


def test_rsc_non_qualifying_provider_does_not_count():
    progress = ifs_rsc(spread("24") + [rsc(ON, "5", qualifies=False)])

    assert progress.confirmed == D("24")
    assert "qualifies" in progress.excluded[0][1]


def test_rsc_peer_group_does_not_count():
    progress = ifs_rsc([rsc(ON, "3", peer=True)])

    assert progress.confirmed == 0 and progress.pending == 0
    assert "Peer" in progress.excluded[0][1]


def test_rsc_pending_is_apart_from_confirmed_and_does_not_meet():
    progress = ifs_rsc([rsc(ON - dt.timedelta(days=400), "20"), rsc(ON, "4", status="pending")])

    assert progress.confirmed == D("20")
    assert progress.pending == D("4")
    assert not progress.met


def test_rsc_declined_does_not_count():
    progress = ifs_rsc([rsc(ON, "4", status="declined")])

    assert progress.confirmed == 0 and progress.pending == 0


def test_rsc_about_provided_hours_are_required_when_the_data_says_so():
    facts = spread("50")
    progress = rsc_progress(
        facts=facts,
        required=D("50"),
        window_min_months=12,
        window_max_months=24,
        on=ON,
        about_provided_required=D("25"),
    )

    assert progress.confirmed == D("50")
    assert not progress.met


def test_forecast_reads_the_last_three_months_pace():
    # 6 hours in the last 3 months = 2 a month; 10 more hours need 5 months.
    result = forecast(
        dated_hours=[(ON - dt.timedelta(days=10), D("6")), (ON - dt.timedelta(days=200), D("8"))],
        have=D("14"),
        target=D("24"),
        on=ON,
    )

    assert result.monthly_pace == D("2.00")
    assert result.reach_month == dt.date(2027, 4, 1)
    assert result.text == "April 2027"


def test_forecast_without_recent_hours_gives_no_month():
    result = forecast(
        dated_hours=[(ON - dt.timedelta(days=200), D("8"))], have=D("8"), target=D("24"), on=ON
    )

    assert result.reach_month is None and not result.reached


def test_training_hours_count_toward_each_area_once_in_the_total():
    facts = [
        TrainingFact(date=ON, hours=D("3"), area_ids=frozenset({1, 2})),
        TrainingFact(date=ON - dt.timedelta(days=1), hours=D("2"), area_ids=frozenset({1})),
    ]

    progress = training_progress(facts=facts, required=D("30"), on=ON)

    assert progress.total == D("5")
    assert progress.by_area == {1: D("5"), 2: D("3")}
    assert progress.remaining == D("25")


def test_training_in_renewal_counts_only_the_cycle():
    facts = [
        TrainingFact(date=dt.date(2025, 1, 2), hours=D("10")),
        TrainingFact(date=dt.date(2024, 12, 31), hours=D("7")),
    ]

    progress = training_progress(facts=facts, required=D("45"), on=ON, since=dt.date(2025, 1, 1))

    assert progress.total == D("10")


def test_renewal_cycle_with_a_fixed_due_date_of_three_years():
    cycle = renewal_cycle(cycle_years=3, next_due=dt.date(2027, 12, 31), anchor=None, on=ON)

    assert cycle.start == dt.date(2025, 1, 1)
    assert cycle.due == dt.date(2027, 12, 31)


def test_renewal_cycle_after_the_due_date_moves_to_the_next_cycle():
    cycle = renewal_cycle(
        cycle_years=3, next_due=dt.date(2027, 12, 31), anchor=None, on=dt.date(2028, 1, 5)
    )

    assert cycle.start == dt.date(2028, 1, 1)
    assert cycle.due == dt.date(2030, 12, 31)


def test_renewal_cycle_yearly_from_the_date_earned():
    cycle = renewal_cycle(cycle_years=1, next_due=None, anchor=dt.date(2023, 3, 15), on=ON)

    assert cycle.start == dt.date(2026, 3, 15)
    assert cycle.due == dt.date(2027, 3, 14)
