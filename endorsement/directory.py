"""Member and RSC provider directories: members only, and only what each person opted into."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from collaboratives.models import Membership
from endorsement.models import Credential, EndorsementProfile
from endorsement.selectors import qualifying_providers


@dataclass
class DirectoryRow:
    user: object
    sector: str
    county: str
    organization: str
    collaboratives: list[str]
    badges: list[Credential]


def directory_rows(*, viewer) -> list[DirectoryRow]:
    profiles = (
        EndorsementProfile.objects.filter(in_directory=True, member__is_active=True)
        .select_related("member")
        .order_by("member__first_name", "member__last_name", "member__username")
    )
    rows = []
    for profile in profiles:
        user = profile.member
        collaboratives = []
        if profile.show_collaboratives:
            collaboratives = sorted(
                set(
                    Membership.objects.filter(user=user, left_at__isnull=True).values_list(
                        "cohort__collaborative__name", flat=True
                    )
                )
            )
        badges = []
        if profile.show_badge:
            badges = list(Credential.objects.filter(member=user).select_related("category"))
        rows.append(
            DirectoryRow(
                user=user,
                sector=user.get_sector_display() if profile.show_sector else "",
                county=user.county if profile.show_county else "",
                organization=profile.organization if profile.show_organization else "",
                collaboratives=collaboratives,
                badges=badges,
            )
        )
    return rows


@dataclass
class ProviderRow:
    user: object
    profile: EndorsementProfile
    county: str
    categories: list[str]


def provider_rows(*, county: str = "", format: str = "", category=None, exclude=None):
    User = get_user_model()
    providers = User.objects.filter(
        pk__in=qualifying_providers().values("pk"), endorsement_profile__provider_listed=True
    ).select_related("endorsement_profile")
    if county:
        providers = providers.filter(county__iexact=county.strip())
    if format == "individual":
        providers = providers.filter(endorsement_profile__provider_individual=True)
    elif format == "group":
        providers = providers.filter(endorsement_profile__provider_group=True)
    elif format == "virtual":
        providers = providers.filter(endorsement_profile__provider_virtual=True)
    if category is not None:
        providers = providers.filter(credentials__category=category).distinct()
    if exclude is not None:
        providers = providers.exclude(pk=exclude.pk)
    rows = []
    for user in providers.order_by("first_name", "last_name", "username"):
        categories = [
            c.category.code + (" (verified)" if c.verified_at else "")
            for c in Credential.objects.filter(member=user).select_related("category")
        ]
        rows.append(
            ProviderRow(
                user=user,
                profile=user.endorsement_profile,
                county=user.county,
                categories=categories,
            )
        )
    return rows
