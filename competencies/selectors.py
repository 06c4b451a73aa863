"""Reads of the competency framework: areas with their competencies, rules in force on a date.

The framework is public reference data, so these reads carry no access rules.
"""

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from competencies.models import (
    AreaOfExpertise,
    Association,
    CategoryRequirement,
    Competency,
    EndorsementCategory,
    RenewalRule,
)

DEFAULT_ASSOCIATION = "alliance"
# The filter lists of several pages show every competency by name. The framework changes a few
# times a year: the list is cached and forgotten on any competency change in this process (a
# process with a cache of its own sees another's change within this many seconds).
COMPETENCY_LIST_SECONDS = 300
_COMPETENCY_LIST_KEY = "competencies:by-name"


def competencies_by_name() -> list[tuple[str, str]]:
    """(slug, name) of every competency, by name."""
    listed = cache.get(_COMPETENCY_LIST_KEY)
    if listed is None:
        listed = list(Competency.objects.order_by("name").values_list("slug", "name"))
        cache.set(_COMPETENCY_LIST_KEY, listed, COMPETENCY_LIST_SECONDS)
    return listed


def competency_list_forget(**kwargs) -> None:
    """Signal receiver: a competency was saved or deleted."""
    cache.delete(_COMPETENCY_LIST_KEY)


def areas_with_competencies() -> QuerySet[AreaOfExpertise]:
    """Areas in framework order, each with `.competencies.all()` prefetched in order (2 queries)."""
    return AreaOfExpertise.objects.order_by("order", "name").prefetch_related(
        Prefetch("competencies", queryset=Competency.objects.order_by("order", "name"))
    )


def endorsement_association_slug() -> str:
    """The association whose requirements apply when none is named (ENDORSEMENT_ASSOCIATION)."""
    return getattr(settings, "ENDORSEMENT_ASSOCIATION", DEFAULT_ASSOCIATION)


def requirement_for(
    *,
    category: EndorsementCategory | str,
    association: Association | str | None = None,
    on: dt.date | None = None,
) -> CategoryRequirement | None:
    """The requirement in force for `category` on `on` (default today), or None if there is none.

    In force means the latest effective date on or before `on`. `category` is a category or its
    code; `association` an association or its slug, by default settings.ENDORSEMENT_ASSOCIATION.
    """
    on = on or timezone.localdate()
    if association is None:
        association = endorsement_association_slug()
    requirements = CategoryRequirement.objects.select_related(
        "category", "category__program", "association"
    ).filter(effective_date__lte=on)
    if isinstance(category, EndorsementCategory):
        requirements = requirements.filter(category=category)
    else:
        requirements = requirements.filter(category__code=category)
    if isinstance(association, Association):
        requirements = requirements.filter(association=association)
    else:
        requirements = requirements.filter(association__slug=association)
    return requirements.order_by("-effective_date").first()


def renewal_rule_for(
    *, association: Association | str, on: dt.date | None = None
) -> RenewalRule | None:
    """The renewal rule of `association` (or its slug) in force on `on` (default today), or None.

    Several rules taking effect on the same day resolve to the one entered last.
    """
    on = on or timezone.localdate()
    rules = RenewalRule.objects.select_related("association").filter(effective_date__lte=on)
    if isinstance(association, Association):
        rules = rules.filter(association=association)
    else:
        rules = rules.filter(association__slug=association)
    return rules.order_by("-effective_date", "-pk").first()
