"""Gaps drive suggestions: upcoming sessions and resources on the weakest Areas of Expertise."""

from __future__ import annotations

from dataclasses import dataclass

from competencies.models import Competency
from events.selectors import sessions_upcoming_for

LIMIT = 5


@dataclass
class Suggestions:
    areas: list
    sessions: list
    resources: list


def suggestions_for(*, user, areas) -> Suggestions:
    """Sessions the user may see and live, viewable resources tagged with those areas' competencies.

    Visibility comes from events' own selector; resources are read-only here: live pages without a
    view restriction, members-only ones only for signed-in members (the pages' own rule).
    """
    from resources.models import ResourcePage

    competency_ids = list(Competency.objects.filter(area__in=areas).values_list("pk", flat=True))
    if not competency_ids:
        return Suggestions(areas=list(areas), sessions=[], resources=[])
    sessions = (
        sessions_upcoming_for(user=user, limit=None)
        .filter(competencies__in=competency_ids)
        .distinct()[:LIMIT]
    )
    resources = (
        ResourcePage.objects.live().public().filter(competency_items__tag_id__in=competency_ids)
    )
    if not user.is_authenticated:
        resources = resources.filter(members_only=False)
    return Suggestions(
        areas=list(areas), sessions=list(sessions), resources=list(resources.distinct()[:LIMIT])
    )
