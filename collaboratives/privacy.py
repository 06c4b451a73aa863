"""What collaboratives hold about a member, for the privacy export and account deletion."""

from django.utils import timezone

from accounts import request_scope
from accounts.privacy import Tables
from collaboratives.models import (
    Invitation,
    Membership,
    MessageReport,
    Reaction,
    RoomMessage,
    RoomPresence,
    RoomReadState,
)


def personal_data_export(user) -> Tables:
    return {
        "memberships": list(
            Membership.objects.filter(user=user)
            .order_by("id")
            .values("cohort__collaborative__name", "cohort__name", "role", "joined_at", "left_at")
        ),
        "room_messages": list(
            RoomMessage.objects.filter(author=user)
            .order_by("id")
            .values("id", "room__name", "created_at", "edited_at", "deleted_at", "body")
        ),
        "reactions": list(
            Reaction.objects.filter(user=user)
            .order_by("id")
            .values("message_id", "emoji", "created_at")
        ),
        "reports_filed": list(
            MessageReport.objects.filter(reporter=user)
            .order_by("id")
            .values("message_id", "reason", "created_at", "outcome")
        ),
        "invitations_sent": list(
            Invitation.objects.filter(invited_by=user)
            .order_by("id")
            .values("cohort__name", "email", "role", "created_at", "accepted_at")
        ),
    }


def personal_data_erase(user) -> None:
    """Leave every cohort and drop personal traces; messages stay, from a former member."""
    Membership.objects.filter(user=user, left_at__isnull=True).update(left_at=timezone.now())
    request_scope.forget()  # an update sends no signal
    Reaction.objects.filter(user=user).delete()
    RoomReadState.objects.filter(user=user).delete()
    RoomPresence.objects.filter(user=user).delete()
    # A pending invitation to the member's address could bring the erased person back in.
    Invitation.objects.filter(email__iexact=user.email, accepted_at__isnull=True).update(
        revoked_at=timezone.now()
    )
