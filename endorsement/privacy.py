"""What the endorsement ledger holds about a member, for the privacy export and deletion."""

from accounts.privacy import Tables
from endorsement.models import (
    ContactRequest,
    Credential,
    EndorsementProfile,
    RscEntry,
    SkippedCredit,
    TrainingEntry,
)


def personal_data_export(user) -> Tables:
    return {
        "training": list(
            TrainingEntry.objects.filter(member=user)
            .order_by("date", "id")
            .values("date", "title", "provider", "hours", "format", "source", "created_at")
        ),
        "rsc": list(
            RscEntry.objects.filter(member=user)
            .order_by("date", "id")
            .values(
                "date",
                "provider__username",
                "provider_name",
                "provider_endorsement_id",
                "format",
                "group_size",
                "hours",
                "status",
                "source",
            )
        ),
        "endorsements_held": list(
            Credential.objects.filter(member=user)
            .order_by("id")
            .values("category__code", "endorsement_id", "earned_on", "verified_at")
        ),
        "sharing_and_directory": list(
            EndorsementProfile.objects.filter(member=user).values(
                "sharing", "organization", "documents_done", "in_directory", "provider_listed"
            )
        ),
        "contact_requests_sent": list(
            ContactRequest.objects.filter(sender=user)
            .order_by("id")
            .values("created_at", "message")
        ),
    }


def personal_data_erase(user) -> None:
    """The ledger is the member's own record: it goes, certificates and all.

    Entries of other members that name this person as their RSC provider stay theirs; they
    show the provider as a former member.
    """
    for entry in TrainingEntry.objects.filter(member=user).exclude(certificate=""):
        entry.certificate.delete(save=False)
    TrainingEntry.objects.filter(member=user).delete()
    RscEntry.objects.filter(member=user).delete()
    SkippedCredit.objects.filter(member=user).delete()
    Credential.objects.filter(member=user).delete()
    EndorsementProfile.objects.filter(member=user).delete()
    ContactRequest.objects.filter(sender=user).delete()
