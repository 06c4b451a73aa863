"""Selectors: areas with competencies in few queries, rules in force on a date."""

import datetime as dt
from decimal import Decimal

import pytest

from competencies.models import (
    AreaOfExpertise,
    Association,
    CategoryRequirement,
    Competency,
    EndorsementCategory,
    RenewalRule,
)
from competencies.selectors import areas_with_competencies, renewal_rule_for, requirement_for

pytestmark = pytest.mark.django_db


def _walk(areas) -> list[tuple[str, list[str]]]:
    return [(area.slug, [c.slug for c in area.competencies.all()]) for area in areas]


def test_areas_with_competencies_in_order():
    walked = _walk(areas_with_competencies())

    assert [slug for slug, _ in walked][:2] == [
        "theoretical-foundations",
        "law-regulation-agency-policy",
    ]
    assert dict(walked)["law-regulation-agency-policy"] == [
        "ethical-practice",
        "government-law-regulation",
        "agency-policy",
    ]
    assert sum(len(slugs) for _, slugs in walked) == 54


def test_areas_with_competencies_query_count_constant(django_assert_num_queries):
    with django_assert_num_queries(2):
        _walk(areas_with_competencies())
    area = AreaOfExpertise.objects.create(slug="extra", name="Extra", order=99)
    for i in range(5):
        Competency.objects.create(name=f"extra {i}", slug=f"extra-{i}", area=area)

    with django_assert_num_queries(2):
        walked = _walk(areas_with_competencies())

    assert walked[-1] == ("extra", [f"extra-{i}" for i in range(5)])


@pytest.fixture
def ifs_2026():
    """A later Alliance IFS requirement, effective mid-2026."""
    return CategoryRequirement.objects.create(
        category=EndorsementCategory.objects.get(code="IFS"),
        association=Association.objects.get(slug="alliance"),
        effective_date=dt.date(2026, 7, 1),
        training_hours_min=40,
        rsc_hours=30,
        rsc_window_min_months=12,
        rsc_window_max_months=24,
    )


def test_requirement_for_picks_latest_effective_on_date(ifs_2026):
    before = requirement_for(category="IFS", on=dt.date(2026, 6, 30))
    on_the_day = requirement_for(category="IFS", on=dt.date(2026, 7, 1))
    too_early = requirement_for(category="IFS", on=dt.date(2023, 12, 31))

    assert before.effective_date == dt.date(2024, 1, 1)
    assert before.rsc_hours == Decimal("24")
    assert on_the_day == ifs_2026
    assert too_early is None


def test_requirement_for_accepts_instances(ifs_2026):
    category = EndorsementCategory.objects.get(code="IFS")
    alliance = Association.objects.get(slug="alliance")

    found = requirement_for(category=category, association=alliance, on=dt.date(2027, 1, 1))

    assert found == ifs_2026


def test_requirement_for_defaults_to_setting_association(settings):
    pa = Association.objects.get(slug="pa-aimh")
    pa_ifs = CategoryRequirement.objects.create(
        category=EndorsementCategory.objects.get(code="IFS"),
        association=pa,
        effective_date=dt.date(2025, 1, 1),
        training_hours_min=30,
    )
    on = dt.date(2026, 1, 1)

    default = requirement_for(category="IFS", on=on)
    settings.ENDORSEMENT_ASSOCIATION = "pa-aimh"
    configured = requirement_for(category="IFS", on=on)
    unknown_category = requirement_for(category="NOPE", on=on)

    assert default.association.slug == "alliance"
    assert configured == pa_ifs
    assert unknown_category is None


def test_requirement_for_defaults_to_today():
    assert requirement_for(category="IMHS").rsc_hours == Decimal("50")


def test_renewal_rule_for_picks_rule_in_force():
    alliance = Association.objects.get(slug="alliance")
    later = RenewalRule.objects.create(
        association=alliance,
        name="New cycle",
        effective_date=dt.date(2026, 1, 1),
        cycle_years=2,
        training_hours_per_cycle=30,
    )

    assert renewal_rule_for(association="pa-aimh").cycle_years == 3
    assert renewal_rule_for(association=alliance, on=dt.date(2025, 12, 31)).cycle_years == 1
    assert renewal_rule_for(association="alliance", on=dt.date(2026, 1, 1)) == later
    assert renewal_rule_for(association="alliance", on=dt.date(2023, 1, 1)) is None
    assert renewal_rule_for(association="nope") is None
