"""framework_load: idempotent upsert by natural keys; malformed data changes nothing."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from competencies.loader import (
    FrameworkDataError,
    framework_load,
    framework_load_file,
)
from competencies.models import (
    AreaOfExpertise,
    Association,
    CategoryRequirement,
    Competency,
    Program,
    RenewalRule,
)

pytestmark = pytest.mark.django_db

EXPECTED_COUNTS = {
    "programs": 2,
    "areas": 9,
    "competencies": 54,
    "associations": 2,
    "categories": 10,
    "requirements": 10,
    "renewal_rules": 2,
}


def test_framework_load_file_twice_same_counts_and_rows(framework_snapshot):
    before = framework_snapshot()

    first = framework_load_file()
    after_first = framework_snapshot()
    second = framework_load_file()

    assert first == second == EXPECTED_COUNTS
    # The migration already loaded the same file, so neither run changes a row.
    assert after_first == before
    assert framework_snapshot() == before


def test_framework_load_updates_named_rows_and_keeps_staff_rows(framework_data):
    area = AreaOfExpertise.objects.get(slug="thinking")
    staff_competency = Competency.objects.create(name="staff label", slug="staff-label", area=area)
    staff_association = Association.objects.create(slug="ct-aimh", name="CT-AIMH")
    framework_data["areas"][6]["competencies"][0]["name"] = "analyzing data"
    framework_data["areas"][6]["competencies"][0]["slug"] = "analyzing-information"
    framework_data["programs"][0]["ages"] = "prenatal to 36 months"

    counts = framework_load(framework_data)

    assert counts == EXPECTED_COUNTS
    assert Competency.objects.get(slug="analyzing-information").name == "analyzing data"
    assert Program.objects.get(code="IMH-E").ages == "prenatal to 36 months"
    assert Competency.objects.filter(pk=staff_competency.pk).exists()
    assert Association.objects.filter(pk=staff_association.pk).exists()


def test_framework_load_creates_new_requirement_by_effective_date(framework_data):
    ifs = next(item for item in framework_data["categories"] if item["code"] == "IFS")
    ifs["requirements"].append(
        {
            "association": "alliance",
            "effective_date": "2026-07-01",
            "training_hours_min": 40,
            "rsc_hours": 30,
            "rsc_window_min_months": 12,
            "rsc_window_max_months": 24,
        }
    )

    counts = framework_load(framework_data)

    assert counts["requirements"] == 11
    requirements = CategoryRequirement.objects.filter(category__code="IFS").order_by(
        "effective_date"
    )
    assert [r.effective_date for r in requirements] == [dt.date(2024, 1, 1), dt.date(2026, 7, 1)]
    assert requirements[1].rsc_hours == Decimal("30")


def test_framework_load_category_may_name_a_program_staff_added(framework_data):
    Program.objects.create(code="X-E", name="Staff program")
    framework_data["categories"].append({"code": "XFA", "program": "X-E", "name": "X associate"})

    counts = framework_load(framework_data)

    assert counts["categories"] == 11


def _set(data: dict, path: list, value) -> None:
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _remove(data: dict, path: list) -> None:
    target = data
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]


MALFORMED = [
    pytest.param(
        lambda d: _remove(d, ["areas", 1, "competencies", 2, "name"]),
        "areas[1].competencies[2]",
        "missing required key(s): name",
        id="competency-missing-name",
    ),
    pytest.param(
        lambda d: _set(d, ["areas", 0, "name"], "  "),
        "areas[0].name",
        "must not be empty",
        id="area-empty-name",
    ),
    pytest.param(
        lambda d: _set(d, ["categories", 3, "program"], "NOPE-E"),
        "categories[3].program",
        "unknown program code 'NOPE-E'",
        id="unknown-program-code",
    ),
    pytest.param(
        lambda d: _set(d, ["categories", 1, "requirements", 0, "rsc_hours"], -24),
        "categories[1].requirements[0].rsc_hours",
        "hours cannot be negative",
        id="negative-rsc-hours",
    ),
    pytest.param(
        lambda d: _set(d, ["renewal_rules", 1, "training_hours_per_cycle"], -1),
        "renewal_rules[1].training_hours_per_cycle",
        "hours cannot be negative",
        id="negative-renewal-hours",
    ),
    pytest.param(
        lambda d: _set(d, ["categories", 2, "requirements", 0, "rsc_window_min_months"], 36),
        "categories[2].requirements[0]",
        "RSC window minimum (36 months) exceeds its maximum (24 months)",
        id="window-min-above-max",
    ),
    pytest.param(
        lambda d: _set(d, ["categories", 3, "requirements", 0, "rsc_about_provided_hours"], 60),
        "categories[3].requirements[0]",
        "rsc_about_provided_hours (60) exceeds rsc_hours (50)",
        id="about-provided-above-rsc",
    ),
    pytest.param(
        lambda d: _set(d, ["categories", 1, "requirements", 0, "association"], "nope"),
        "categories[1].requirements[0].association",
        "unknown association 'nope'",
        id="unknown-association",
    ),
    pytest.param(
        lambda d: _set(d, ["categories", 1, "requirements", 0, "effective_date"], "2024-13-01"),
        "categories[1].requirements[0].effective_date",
        "expected a date as YYYY-MM-DD",
        id="bad-date",
    ),
    pytest.param(
        lambda d: _set(d, ["areas", 2, "competencies", 1, "name"], "Service delivery systems"),
        "areas[2].competencies[1]",
        "duplicate competency slug 'service-delivery-systems' (first at areas[2].competencies[0])",
        id="duplicate-competency-slug",
    ),
    pytest.param(
        lambda d: _set(
            d,
            ["areas", 2, "competencies", 1],
            {"name": "SERVICE delivery systems", "slug": "other", "confirmed": False},
        ),
        "areas[2].competencies[1].name",
        "duplicate competency name",
        id="duplicate-competency-name",
    ),
    pytest.param(
        lambda d: _set(d, ["areas", 3, "confirmed"], "maybe"),
        "areas[3].confirmed",
        "expected true, partly or false",
        id="bad-area-confirmation",
    ),
    pytest.param(
        lambda d: _set(d, ["areas", 3, "competencies", 0, "confirmd"], True),
        "areas[3].competencies[0]",
        "unknown key(s): confirmd",
        id="misspelt-key",
    ),
    pytest.param(
        lambda d: _set(d, ["programs", 0, "code"], "A-VERY-LONG-PROGRAM-CODE"),
        "programs[0]",
        "code: Ensure this value has at most 20 characters",
        id="code-too-long",
    ),
    pytest.param(
        lambda d: _set(d, ["renewal_rules", 0, "cycle_years"], 0),
        "renewal_rules[0].cycle_years",
        "must be at least 1",
        id="zero-year-cycle",
    ),
]


@pytest.mark.parametrize(("break_data", "path", "message"), MALFORMED)
def test_framework_load_malformed_raises_and_changes_nothing(
    framework_data, framework_snapshot, break_data, path, message
):
    # A valid change early in the document proves the bad item rolls the whole load back.
    framework_data["programs"][1]["name"] = "Renamed before the error"
    framework_data["areas"][0]["competencies"].append({"name": "new label", "confirmed": False})
    break_data(framework_data)
    before = framework_snapshot()

    with pytest.raises(FrameworkDataError) as excinfo:
        framework_load(framework_data)

    assert isinstance(excinfo.value, ValueError)
    assert excinfo.value.path == path
    assert str(excinfo.value).startswith(f"{path}: ")
    assert message in str(excinfo.value)
    assert framework_snapshot() == before
    assert not Competency.objects.filter(name="new label").exists()


@pytest.mark.parametrize("document", [None, [], "text", {"areas": {"slug": "x"}}, {"x": 1}])
def test_framework_load_wrong_document_shape_raises(document, framework_snapshot):
    before = framework_snapshot()

    with pytest.raises(FrameworkDataError):
        framework_load(document)

    assert framework_snapshot() == before


def test_load_framework_command_reports_counts():
    output = io.StringIO()

    call_command("load_framework", stdout=output)

    assert "54 competencies" in output.getvalue()
    assert "2 renewal rules" in output.getvalue()


def test_load_framework_command_bad_file_changes_nothing(tmp_path, framework_snapshot):
    bad = tmp_path / "framework.yaml"
    bad.write_text(
        "programs:\n  - {code: IMH-E, name: Renamed}\n"
        "areas:\n  - {slug: thinking, name: Thinking, confirmed: false,\n"
        "     competencies: [{name: solving problems, confirmed: false}]}\n"
        "categories:\n  - {code: IFS, program: IMH-E, name: IFS,\n"
        "     requirements: [{association: alliance, effective_date: 2024-01-01,\n"
        "                     training_hours_min: -30}]}\n",
        encoding="utf-8",
    )
    before = framework_snapshot()

    with pytest.raises(CommandError) as excinfo:
        call_command("load_framework", str(bad))

    assert "Nothing was loaded" in str(excinfo.value)
    assert "categories[0].requirements[0].training_hours_min" in str(excinfo.value)
    assert framework_snapshot() == before


def test_load_framework_command_invalid_yaml_and_missing_file(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("areas: [unclosed", encoding="utf-8")

    with pytest.raises(CommandError, match="not valid YAML"):
        call_command("load_framework", str(broken))
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("load_framework", str(tmp_path / "missing.yaml"))


def test_renewal_rule_upsert_by_natural_key(framework_data):
    framework_data["renewal_rules"][1]["next_due"] = "2030-12-31"

    framework_load(framework_data)

    rules = RenewalRule.objects.filter(association__slug="pa-aimh")
    assert rules.count() == 1
    assert rules.get().next_due == dt.date(2030, 12, 31)


def _historical_apps():
    loader = MigrationExecutor(connection).loader
    return loader.project_state(("competencies", "0002_load_framework")).apps


def test_framework_load_with_historical_models_as_the_migration_does(framework_data):
    framework_data["programs"][0]["ages"] = "prenatal to 36 months"

    counts = framework_load(framework_data, apps=_historical_apps())

    assert counts == EXPECTED_COUNTS
    assert Program.objects.get(code="IMH-E").ages == "prenatal to 36 months"


def test_framework_load_with_historical_models_rolls_back(framework_data, framework_snapshot):
    framework_data["programs"][0]["ages"] = "prenatal to 36 months"
    framework_data["categories"][0]["program"] = "NOPE-E"
    before = framework_snapshot()

    with pytest.raises(FrameworkDataError, match=r"categories\[0\]\.program: unknown program"):
        framework_load(framework_data, apps=_historical_apps())

    assert framework_snapshot() == before
