"""Load the competency framework from plain data (the bundled YAML) by natural keys.

The loader validates the whole document before it writes, then upserts every row inside one
transaction: a bad item raises `FrameworkDataError` naming its path and nothing changes. It only
creates and updates the rows the data names; rows staff added in the admin are never deleted.

It works on any model registry with `get_model(app_label, model_name)`, so the data migration
can pass its historical `apps` and the management command the live registry. Historical models
lack custom methods (`clean()`, `TagBase.save()` slugging), which is why every rule those
methods enforce is also checked here and every slug is set explicitly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

import yaml
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction

from competencies.models import label_slug

APP_LABEL = "competencies"
BUNDLED_FILE = Path(__file__).resolve().parent / "data" / "framework.yaml"

TOP_LEVEL_KEYS = {
    "version",
    "sources",
    "programs",
    "areas",
    "associations",
    "categories",
    "renewal_rules",
}
AREA_CONFIRMATION = {True: "yes", False: "no", "yes": "yes", "partly": "partly", "no": "no"}


class ModelRegistry(Protocol):
    def get_model(self, app_label: str, model_name: str) -> Any: ...


class FrameworkDataError(ValueError):
    """Malformed framework data. The message starts with the path of the bad item."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.detail = message
        super().__init__(f"{path}: {message}")


# --- Reading values with their path ------------------------------------------------------------


def _mapping(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise FrameworkDataError(path, f"expected a mapping, got {type(value).__name__}")
    return value


def _items(data: dict, key: str, path: str) -> list[tuple[str, dict]]:
    """The mappings listed under `key` (absent means none), each with its own path."""
    value = data.get(key, [])
    where = f"{path}.{key}" if path else key
    if value is None:
        return []
    if not isinstance(value, list):
        raise FrameworkDataError(where, f"expected a list, got {type(value).__name__}")
    return [(f"{where}[{i}]", _mapping(item, f"{where}[{i}]")) for i, item in enumerate(value)]


def _check_keys(item: dict, path: str, required: set[str], optional: set[str]) -> None:
    unknown = sorted(str(key) for key in set(item) - required - optional)
    if unknown:
        raise FrameworkDataError(path, f"unknown key(s): {', '.join(unknown)}")
    missing = sorted(required - set(item))
    if missing:
        raise FrameworkDataError(path, f"missing required key(s): {', '.join(missing)}")


def _text(item: dict, key: str, path: str, *, blank: bool = False) -> str:
    value = item.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FrameworkDataError(f"{path}.{key}", "expected text")
    value = value.strip()
    if not value and not blank:
        raise FrameworkDataError(f"{path}.{key}", "must not be empty")
    return value


def _bool(item: dict, key: str, path: str, *, default: bool = False) -> bool:
    value = item.get(key, default)
    if not isinstance(value, bool):
        raise FrameworkDataError(f"{path}.{key}", "expected true or false")
    return value


def _int(item: dict, key: str, path: str, *, minimum: int = 0, default: int | None = None):
    value = item.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FrameworkDataError(f"{path}.{key}", "expected a whole number")
    if value < minimum:
        raise FrameworkDataError(f"{path}.{key}", f"must be at least {minimum}, got {value}")
    return value


def _hours(item: dict, key: str, path: str, *, required: bool = False) -> Decimal | None:
    value = item.get(key)
    if value is None:
        if required:
            raise FrameworkDataError(f"{path}.{key}", "a number of hours is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise FrameworkDataError(f"{path}.{key}", "expected a number of hours")
    try:
        # str() first, so 0.1 stays 0.1 instead of its binary approximation.
        hours = Decimal(str(value))
    except InvalidOperation:
        raise FrameworkDataError(
            f"{path}.{key}", f"expected a number of hours, got {value!r}"
        ) from None
    if not hours.is_finite():
        raise FrameworkDataError(f"{path}.{key}", f"expected a number of hours, got {value!r}")
    if hours < 0:
        raise FrameworkDataError(f"{path}.{key}", f"hours cannot be negative, got {value}")
    return hours


def _date(item: dict, key: str, path: str, *, required: bool = False) -> dt.date | None:
    value = item.get(key)
    if value is None:
        if required:
            raise FrameworkDataError(f"{path}.{key}", "a date (YYYY-MM-DD) is required")
        return None
    if isinstance(value, dt.datetime):
        raise FrameworkDataError(f"{path}.{key}", "expected a date without a time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise FrameworkDataError(f"{path}.{key}", f"expected a date as YYYY-MM-DD, got {value!r}")


def _unique(seen: dict, key: Any, path: str, what: str) -> None:
    if key in seen:
        raise FrameworkDataError(path, f"duplicate {what} {key!r} (first at {seen[key]})")
    seen[key] = path


# --- Parsing: the whole document is checked before anything is written --------------------------


def _parse(data: Any) -> dict[str, list[tuple[str, dict]]]:
    """Check the document and return normalized records, each with its path."""
    data = _mapping(data, "(top level)")
    unknown = sorted(str(key) for key in set(data) - TOP_LEVEL_KEYS)
    if unknown:
        raise FrameworkDataError("(top level)", f"unknown key(s): {', '.join(unknown)}")
    if data.get("version", 1) != 1:
        raise FrameworkDataError("version", "only version 1 is understood")
    sources = data.get("sources", []) or []
    if not isinstance(sources, list) or not all(isinstance(url, str) for url in sources):
        raise FrameworkDataError("sources", "expected a list of addresses")

    plan: dict[str, list[tuple[str, dict]]] = {
        "programs": [],
        "areas": [],
        "competencies": [],
        "associations": [],
        "categories": [],
        "requirements": [],
        "renewal_rules": [],
    }

    seen: dict = {}
    for path, item in _items(data, "programs", ""):
        _check_keys(item, path, {"code", "name"}, {"ages", "order"})
        code = _text(item, "code", path)
        _unique(seen, code, f"{path}.code", "program code")
        plan["programs"].append(
            (
                path,
                {
                    "code": code,
                    "name": _text(item, "name", path),
                    "ages": _text(item, "ages", path, blank=True),
                    "order": _int(item, "order", path, default=0),
                },
            )
        )

    area_seen: dict = {}
    slug_seen: dict = {}
    name_seen: dict = {}
    for path, item in _items(data, "areas", ""):
        _check_keys(
            item,
            path,
            {"slug", "name", "confirmed"},
            {"order", "mentors_only", "competencies"},
        )
        area_slug = _text(item, "slug", path)
        _unique(area_seen, area_slug, f"{path}.slug", "area slug")
        confirmed = item["confirmed"]
        if not isinstance(confirmed, bool | str) or confirmed not in AREA_CONFIRMATION:
            raise FrameworkDataError(f"{path}.confirmed", "expected true, partly or false")
        plan["areas"].append(
            (
                path,
                {
                    "slug": area_slug,
                    "name": _text(item, "name", path),
                    "order": _int(item, "order", path, default=0),
                    "mentors_only": _bool(item, "mentors_only", path),
                    "confirmed": AREA_CONFIRMATION[confirmed],
                },
            )
        )
        for position, (cpath, citem) in enumerate(_items(item, "competencies", path), start=1):
            _check_keys(citem, cpath, {"name", "confirmed"}, {"slug", "order"})
            name = _text(citem, "name", cpath)
            slug = _text(citem, "slug", cpath, blank=True) or label_slug(name)
            if not slug:
                raise FrameworkDataError(f"{cpath}.name", f"{name!r} gives no usable slug")
            _unique(slug_seen, slug, cpath, "competency slug")
            # Competency names are tag names: unique, and compared without case in this project.
            _unique(name_seen, name.casefold(), f"{cpath}.name", "competency name")
            plan["competencies"].append(
                (
                    cpath,
                    {
                        "slug": slug,
                        "name": name,
                        "area": area_slug,
                        "order": _int(citem, "order", cpath, default=position),
                        "confirmed": _bool(citem, "confirmed", cpath),
                    },
                )
            )

    seen = {}
    for path, item in _items(data, "associations", ""):
        _check_keys(item, path, {"slug", "name"}, {"url"})
        slug = _text(item, "slug", path)
        _unique(seen, slug, f"{path}.slug", "association slug")
        plan["associations"].append(
            (
                path,
                {
                    "slug": slug,
                    "name": _text(item, "name", path),
                    "url": _text(item, "url", path, blank=True),
                },
            )
        )

    seen = {}
    requirement_seen: dict = {}
    for path, item in _items(data, "categories", ""):
        _check_keys(
            item,
            path,
            {"code", "program", "name"},
            {
                "scope",
                "education",
                "work_experience",
                "qualifies_rsc_provider",
                "order",
                "requirements",
            },
        )
        code = _text(item, "code", path)
        _unique(seen, code, f"{path}.code", "category code")
        plan["categories"].append(
            (
                path,
                {
                    "code": code,
                    "program": _text(item, "program", path),
                    "name": _text(item, "name", path),
                    "scope": _text(item, "scope", path, blank=True),
                    "education": _text(item, "education", path, blank=True),
                    "work_experience": _text(item, "work_experience", path, blank=True),
                    "qualifies_rsc_provider": _bool(item, "qualifies_rsc_provider", path),
                    "order": _int(item, "order", path, default=0),
                },
            )
        )
        for rpath, ritem in _items(item, "requirements", path):
            requirement = _parse_requirement(ritem, rpath, code)
            key = (code, requirement["association"], requirement["effective_date"])
            _unique(requirement_seen, key, rpath, "requirement (category, association, date)")
            plan["requirements"].append((rpath, requirement))

    seen = {}
    for path, item in _items(data, "renewal_rules", ""):
        rule = _parse_renewal(item, path)
        key = (rule["association"], rule["name"], rule["effective_date"])
        _unique(seen, key, path, "renewal rule (association, name, date)")
        plan["renewal_rules"].append((path, rule))
    return plan


def _parse_requirement(item: dict, path: str, category: str) -> dict:
    _check_keys(
        item,
        path,
        {"association", "effective_date", "training_hours_min"},
        {
            "training_note",
            "rsc_hours",
            "rsc_window_min_months",
            "rsc_window_max_months",
            "rsc_about_provided_hours",
            "exam_required",
        },
    )
    rsc_hours = _hours(item, "rsc_hours", path)
    low = _int(item, "rsc_window_min_months", path)
    high = _int(item, "rsc_window_max_months", path)
    about = _hours(item, "rsc_about_provided_hours", path)
    # The same rules as CategoryRequirement.clean(), which historical models do not carry.
    if low is not None and high is not None and low > high:
        raise FrameworkDataError(
            path, f"RSC window minimum ({low} months) exceeds its maximum ({high} months)"
        )
    if (low is not None or high is not None) and rsc_hours is None:
        raise FrameworkDataError(path, "an RSC window needs rsc_hours")
    if about is not None and not rsc_hours:
        raise FrameworkDataError(path, "rsc_about_provided_hours needs rsc_hours")
    if about is not None and rsc_hours is not None and about > rsc_hours:
        raise FrameworkDataError(
            path, f"rsc_about_provided_hours ({about}) exceeds rsc_hours ({rsc_hours})"
        )
    return {
        "category": category,
        "association": _text(item, "association", path),
        "effective_date": _date(item, "effective_date", path, required=True),
        "training_hours_min": _hours(item, "training_hours_min", path, required=True),
        "training_note": _text(item, "training_note", path, blank=True),
        "rsc_hours": rsc_hours,
        "rsc_window_min_months": low,
        "rsc_window_max_months": high,
        "rsc_about_provided_hours": about,
        "exam_required": _bool(item, "exam_required", path),
    }


def _parse_renewal(item: dict, path: str) -> dict:
    _check_keys(
        item,
        path,
        {"association", "name", "effective_date", "training_hours_per_cycle"},
        {"cycle_years", "rsc_hours_per_cycle", "rsc_provider_training_on_rsc_hours", "next_due"},
    )
    training = _hours(item, "training_hours_per_cycle", path, required=True)
    on_rsc = _hours(item, "rsc_provider_training_on_rsc_hours", path)
    if on_rsc is not None and on_rsc > training:
        raise FrameworkDataError(
            path,
            f"rsc_provider_training_on_rsc_hours ({on_rsc}) exceeds "
            f"training_hours_per_cycle ({training})",
        )
    return {
        "association": _text(item, "association", path),
        "name": _text(item, "name", path),
        "effective_date": _date(item, "effective_date", path, required=True),
        "cycle_years": _int(item, "cycle_years", path, minimum=1, default=1),
        "training_hours_per_cycle": training,
        "rsc_hours_per_cycle": _hours(item, "rsc_hours_per_cycle", path),
        "rsc_provider_training_on_rsc_hours": on_rsc,
        "next_due": _date(item, "next_due", path),
    }


# --- Writing -----------------------------------------------------------------------------------


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


class _Writer:
    def __init__(self, registry: ModelRegistry, using: str):
        self.registry = registry
        self.using = using

    def model(self, name: str):
        return self.registry.get_model(APP_LABEL, name)

    def upsert(self, model, lookup: dict, values: dict, path: str):
        """Create the row named by `lookup`, or update the fields that differ; return it."""
        manager = model._default_manager.db_manager(self.using)
        instance = manager.filter(**lookup).first()
        if instance is None:
            instance = model(**lookup, **values)
        else:
            changed = [name for name, value in values.items() if getattr(instance, name) != value]
            if not changed:
                return instance
            for name in changed:
                setattr(instance, name, values[name])
        try:
            instance.full_clean()
        except ValidationError as error:
            raise FrameworkDataError(path, _describe(error)) from None
        instance.save(using=self.using)
        return instance

    def keys(self, model, field: str) -> dict[str, int]:
        """Primary keys by natural key for every stored row (the file's are stored by now)."""
        return dict(model._default_manager.db_manager(self.using).values_list(field, "pk"))


def _reference(table: dict[str, int], key: str, path: str, what: str) -> int:
    if key not in table:
        raise FrameworkDataError(path, f"unknown {what} {key!r}")
    return table[key]


def framework_load(
    data: Any, *, apps: ModelRegistry | None = None, using: str = DEFAULT_DB_ALIAS
) -> dict[str, int]:
    """Upsert the framework described by `data`; return how many items of each kind it holds.

    Raises FrameworkDataError (a ValueError) naming the bad item's path; then nothing changed.
    Pass `apps` (a registry with get_model) from a data migration; the default is the live one.
    """
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    plan = _parse(data)
    writer = _Writer(apps, using)
    Program = writer.model("Program")  # noqa: N806 (model classes read as classes)
    Area = writer.model("AreaOfExpertise")  # noqa: N806
    Competency = writer.model("Competency")  # noqa: N806
    Association = writer.model("Association")  # noqa: N806
    Category = writer.model("EndorsementCategory")  # noqa: N806
    Requirement = writer.model("CategoryRequirement")  # noqa: N806
    Renewal = writer.model("RenewalRule")  # noqa: N806

    def without(record: dict, *keys: str) -> dict:
        return {key: value for key, value in record.items() if key not in keys}

    with transaction.atomic(using=using):
        for path, record in plan["programs"]:
            writer.upsert(Program, {"code": record["code"]}, without(record, "code"), path)

        areas: dict[str, int] = {}
        for path, record in plan["areas"]:
            area = writer.upsert(Area, {"slug": record["slug"]}, without(record, "slug"), path)
            areas[record["slug"]] = area.pk

        for path, record in plan["competencies"]:
            values = without(record, "slug", "area") | {"area_id": areas[record["area"]]}
            writer.upsert(Competency, {"slug": record["slug"]}, values, path)

        for path, record in plan["associations"]:
            writer.upsert(Association, {"slug": record["slug"]}, without(record, "slug"), path)

        # A category or rule may name a program or association staff added in the admin.
        programs = writer.keys(Program, "code")
        associations = writer.keys(Association, "slug")

        categories: dict[str, int] = {}
        for path, record in plan["categories"]:
            values = without(record, "code", "program") | {
                "program_id": _reference(
                    programs, record["program"], f"{path}.program", "program code"
                )
            }
            category = writer.upsert(Category, {"code": record["code"]}, values, path)
            categories[record["code"]] = category.pk

        for path, record in plan["requirements"]:
            lookup = {
                "category_id": categories[record["category"]],
                "association_id": _reference(
                    associations, record["association"], f"{path}.association", "association"
                ),
                "effective_date": record["effective_date"],
            }
            values = without(record, "category", "association", "effective_date")
            writer.upsert(Requirement, lookup, values, path)

        for path, record in plan["renewal_rules"]:
            lookup = {
                "association_id": _reference(
                    associations, record["association"], f"{path}.association", "association"
                ),
                "name": record["name"],
                "effective_date": record["effective_date"],
            }
            values = without(record, "association", "name", "effective_date")
            writer.upsert(Renewal, lookup, values, path)

    return {kind: len(records) for kind, records in plan.items()}


def framework_read_file(path: str | Path) -> Any:
    """The parsed YAML document at `path`; FrameworkDataError if it cannot be read or parsed."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise FrameworkDataError(str(path), f"cannot read the file ({error.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise FrameworkDataError(str(path), f"not valid YAML: {error}") from None


def framework_load_file(
    path: str | Path = BUNDLED_FILE,
    *,
    apps: ModelRegistry | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> dict[str, int]:
    """Load the YAML file at `path` (default: the bundled framework) with `framework_load`."""
    return framework_load(framework_read_file(path), apps=apps, using=using)
