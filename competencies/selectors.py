"""Reads of the competency framework: areas with their competencies, rules in force on a date.

The framework is public reference data, so these reads carry no access rules.
"""

import datetime as dt

from django.conf import settings
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
