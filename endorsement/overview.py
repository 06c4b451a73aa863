"""A member's progress toward their goal: ledger rows turned into facts, rules from progress.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from competencies.selectors import (
    areas_with_competencies,
    endorsement_association_slug,
    renewal_rule_for,
    requirement_for,
)
from endorsement import progress
from endorsement.models import Credential, RscEntry, TrainingEntry
from endorsement.selectors import profile_for, qualifying_provider_ids


@dataclass
class AreaRow:
    area: object
    hours: Decimal
    percent: int  # of the largest area, for the bar's length (the text value is always shown)


@dataclass
class Overview:
    member: object
    on: dt.date
    category: object | None
    renewal: bool
    requirement: object | None = None
    rule: object | None = None
    cycle: progress.Cycle | None = None
    training: progress.TrainingProgress | None = None
    rsc: progress.RscProgress | None = None
    areas: list[AreaRow] = field(default_factory=list)
    documents: list[tuple[str, str, bool]] = field(default_factory=list)
    excluded_rsc: list[tuple[RscEntry, str]] = field(default_factory=list)

    @property
    def has_goal(self) -> bool:
        return self.category is not None and (self.requirement or self.rule) is not None

    @property
    def met(self) -> bool:
        return bool(self.training and self.training.met and (self.rsc is None or self.rsc.met))

    @property
    def status(self) -> str:
        """ "on track" or "behind" (what facilitators see when a member shares no details)."""
        if not self.has_goal:
            return "no goal"
        unmet = []
        if not self.training.met:
            unmet.append(self.training.forecast.reach_month)
        if self.rsc is not None and self.rsc.applies and not self.rsc.met:
            unmet.append(self.rsc.forecast.reach_month if self.rsc.forecast else None)
        worst = None if None in unmet else max(unmet, default=None)
        return progress.status_label(
            met=not unmet,
            forecast_month=worst,
            on=self.on,
            horizon=settings.ENDORSEMENT_ON_TRACK_MONTHS,
        )


def training_facts(entries) -> list[progress.TrainingFact]:
    facts = []
    for entry in entries:
        area_ids = {c.area_id for c in entry.competencies.all()} | {a.pk for a in entry.areas.all()}
        facts.append(
            progress.TrainingFact(
                date=entry.date,
                hours=entry.hours,
                area_ids=frozenset(area_ids),
                about_providing_rsc=entry.about_providing_rsc,
            )
        )
    return facts


def rsc_facts(entries) -> list[tuple[RscEntry, progress.RscFact]]:
    entries = list(entries)
    qualifying = qualifying_provider_ids({e.provider_id for e in entries})
    pairs = []
    for entry in entries:
        # Off-platform providers are taken at the member's word (name and endorsement ID), and
        # stay pending: nobody on the platform can confirm them.
        qualifies = entry.provider_id in qualifying if entry.provider_id else True
        pairs.append(
            (
                entry,
                progress.RscFact(
                    date=entry.date,
                    hours=entry.hours,
                    status=entry.status,
                    provider_qualifies=qualifies,
                    peer_group=entry.peer_group,
                    about_rsc_provided=entry.about_rsc_provided,
                ),
            )
        )
    return pairs


def document_items(category, requirement) -> list[tuple[str, str]]:
    """What the goal needs outside the platform, from the category and requirement data."""
    items = []
    if category.education:
        items.append(("education", f"Education: {category.education}"))
    if category.work_experience:
        items.append(("work", f"Work experience: {category.work_experience}"))
    items.append(("references", "Reference ratings"))
    items.append(("ethics", "Signed Code of Ethics and Endorsement Agreement"))
    items.append(("membership", "Association membership"))
    if requirement is not None and requirement.exam_required:
        items.append(("exam", "Endorsement exam passed"))
    return items


def member_overview(*, member, on: dt.date | None = None) -> Overview:
    on = on or timezone.localdate()
    category = member.goal_category
    overview = Overview(member=member, on=on, category=category, renewal=member.goal_is_renewal)
    if category is None:
        return overview
    credential = (
        Credential.objects.filter(member=member, category=category)
        .select_related("association")
        .first()
    )
    association = (
        credential.association if credential and credential.association else None
    ) or endorsement_association_slug()
    overview.requirement = requirement_for(category=category, association=association, on=on)
    if overview.requirement is None and association != endorsement_association_slug():
        overview.requirement = requirement_for(category=category, on=on)
    trainings = list(
        TrainingEntry.objects.filter(member=member).prefetch_related("competencies", "areas")
    )
    rsc_pairs = rsc_facts(RscEntry.objects.filter(member=member).select_related("provider"))
    requirement = overview.requirement
    since = None
    training_required = requirement.training_hours_min if requirement else Decimal("0")
    rsc_required = requirement.rsc_hours if requirement else None
    about_rsc_training = None
    if overview.renewal:
        overview.rule = renewal_rule_for(association=association, on=on)
        if overview.rule is None:
            overview.rule = renewal_rule_for(association=endorsement_association_slug(), on=on)
        if overview.rule is not None:
            rule = overview.rule
            overview.cycle = progress.renewal_cycle(
                cycle_years=rule.cycle_years,
                next_due=rule.next_due,
                anchor=credential.earned_on if credential else None,
                on=on,
            )
            since = overview.cycle.start
            training_required = rule.training_hours_per_cycle
            rsc_required = rule.rsc_hours_per_cycle if rsc_required is not None else None
            if category.qualifies_rsc_provider:
                about_rsc_training = rule.rsc_provider_training_on_rsc_hours
    if not overview.has_goal:
        return overview
    overview.training = progress.training_progress(
        facts=training_facts(trainings),
        required=training_required,
        on=on,
        since=since,
        about_rsc_required=about_rsc_training,
    )
    window_min = window_max = about_provided = None
    if requirement is not None and not overview.renewal:
        window_min = requirement.rsc_window_min_months
        window_max = requirement.rsc_window_max_months
        about_provided = requirement.rsc_about_provided_hours
    overview.rsc = progress.rsc_progress(
        facts=[fact for _, fact in rsc_pairs],
        required=rsc_required,
        window_min_months=window_min,
        window_max_months=window_max,
        on=on,
        about_provided_required=about_provided,
        since=since,
    )
    excluded = {id(fact): reason for fact, reason in overview.rsc.excluded}
    overview.excluded_rsc = [(e, excluded[id(f)]) for e, f in rsc_pairs if id(f) in excluded]
    # Administration applies to Mentors only: leadership-scope categories in the data.
    mentor = category.scope == "leadership"
    areas = [a for a in areas_with_competencies() if mentor or not a.mentors_only]
    by_area = overview.training.by_area
    biggest = max([by_area.get(a.pk, Decimal("0")) for a in areas], default=Decimal("0"))
    for area in areas:
        hours = by_area.get(area.pk, Decimal("0.00"))
        # Stepped by 5 so the stylesheet has one class per width (no inline style under CSP).
        percent = int(round(hours * 20 / biggest)) * 5 if biggest else 0
        overview.areas.append(AreaRow(area=area, hours=hours, percent=percent))
    done = set(profile_for(member).documents_done or [])
    overview.documents = [
        (key, label, key in done) for key, label in document_items(category, requirement)
    ]
    return overview


def weakest_areas(overview: Overview, count: int = 2) -> list:
    """The Areas of Expertise with the fewest training hours (ties in framework order)."""
    rows = sorted(overview.areas, key=lambda row: row.hours)
    return [row.area for row in rows[:count]]
