"""The data migration seeds the framework from competencies/data/framework.yaml."""

from decimal import Decimal

import pytest

from competencies.models import (
    AreaOfExpertise,
    Association,
    CategoryRequirement,
    Competency,
    EndorsementCategory,
    Program,
    RenewalRule,
    label_slug,
)

pytestmark = pytest.mark.django_db

AREA_SLUGS = [
    "theoretical-foundations",
    "law-regulation-agency-policy",
    "systems-expertise",
    "direct-service-skills",
    "working-with-others",
    "communicating",
    "thinking",
    "reflection",
    "administration",
]


def test_migration_areas_loaded_in_framework_order():
    areas = list(AreaOfExpertise.objects.order_by("order"))

    assert [area.slug for area in areas] == AREA_SLUGS
    administration = areas[-1]
    assert administration.mentors_only is True
    assert not any(area.mentors_only for area in areas[:-1])


def test_migration_area_confirmation_keeps_three_states():
    confirmed = dict(AreaOfExpertise.objects.values_list("slug", "confirmed"))

    assert confirmed["theoretical-foundations"] == "yes"
    assert confirmed["law-regulation-agency-policy"] == "yes"
    assert confirmed["systems-expertise"] == "partly"
    assert confirmed["thinking"] == "no"


def test_migration_competencies_loaded_with_unique_slugs():
    slugs = list(Competency.objects.values_list("slug", flat=True))

    assert len(slugs) == 54
    assert len(set(slugs)) == len(slugs)
    assert "attachment-separation-trauma-grief-loss" in slugs
    assert "reflective-supervision-consultation" in slugs
    assert all(slug for slug in slugs)


def test_migration_competency_slugs_come_from_labels():
    competency = Competency.objects.get(slug="attachment-separation-trauma-grief-loss")

    assert competency.name == "attachment, separation, trauma, grief & loss"
    assert competency.area.slug == "theoretical-foundations"
    assert all(label_slug(c.name) == c.slug for c in Competency.objects.all())


def test_migration_competency_confirmed_only_in_confirmed_areas():
    for competency in Competency.objects.select_related("area"):
        assert competency.confirmed is (competency.area.confirmed == "yes"), competency.slug
    assert Competency.objects.filter(confirmed=False).count() == 54 - 17


def test_migration_programs_and_associations_loaded():
    assert list(Program.objects.values_list("code", flat=True)) == ["IMH-E", "ECMH-E"]
    alliance = Association.objects.get(slug="alliance")
    assert alliance.name == "Alliance for the Advancement of Infant Mental Health"
    assert alliance.url == "https://www.allianceaimh.org/"
    assert Association.objects.get(slug="pa-aimh").url == "https://www.pa-aimh.org/"


def test_migration_categories_loaded_for_both_programs():
    codes = dict(EndorsementCategory.objects.values_list("code", "program__code"))

    assert codes == {
        "IFA": "IMH-E",
        "IFS": "IMH-E",
        "IMHS": "IMH-E",
        "IMHM-C": "IMH-E",
        "IMHM-P": "IMH-E",
        "IMHM-RF": "IMH-E",
        "ECFA": "ECMH-E",
        "ECFS": "ECMH-E",
        "ECMHS": "ECMH-E",
        "ECMHM-C": "ECMH-E",
    }
    providers = EndorsementCategory.objects.filter(qualifies_rsc_provider=True)
    assert set(providers.values_list("code", flat=True)) == {"IMHS", "IMHM-C", "ECMHS", "ECMHM-C"}


def test_migration_ifs_requires_24_rsc_hours_in_12_to_24_months():
    requirement = CategoryRequirement.objects.get(
        category__code="IFS", association__slug="alliance"
    )

    assert requirement.rsc_hours == Decimal("24")
    assert (requirement.rsc_window_min_months, requirement.rsc_window_max_months) == (12, 24)
    assert requirement.training_hours_min == Decimal("30")
    assert requirement.exam_required is False
    assert str(requirement.effective_date) == "2024-01-01"


def test_migration_mentor_clinical_needs_rsc_about_rsc_provided_and_exam():
    for code in ("IMHM-C", "ECMHM-C"):
        requirement = CategoryRequirement.objects.get(category__code=code)
        assert requirement.rsc_hours == Decimal("50")
        assert requirement.rsc_about_provided_hours == Decimal("25")
        assert requirement.exam_required is True


def test_migration_associate_and_policy_mentor_need_no_rsc():
    for code in ("IFA", "IMHM-P", "IMHM-RF", "ECFA"):
        requirement = CategoryRequirement.objects.get(category__code=code)
        assert requirement.rsc_hours is None
        assert requirement.rsc_window_min_months is None


def test_migration_renewal_rules_loaded():
    alliance = RenewalRule.objects.get(association__slug="alliance")
    pa = RenewalRule.objects.get(association__slug="pa-aimh")

    assert (alliance.cycle_years, alliance.training_hours_per_cycle) == (1, Decimal("15"))
    assert alliance.rsc_hours_per_cycle == Decimal("12")
    assert alliance.rsc_provider_training_on_rsc_hours == Decimal("3")
    assert (pa.cycle_years, pa.training_hours_per_cycle) == (3, Decimal("45"))
    assert str(pa.next_due) == "2027-12-31"
