"""What events holds about a member, for the privacy export and account deletion."""

from accounts.privacy import Tables
from events.models import Attendance, CalendarFeedToken, ReminderPreference, ReminderSent, Rsvp


def personal_data_export(user) -> Tables:
    return {
        "rsvps": list(
            Rsvp.objects.filter(user=user)
            .order_by("session__starts_at", "id")
            .values("session__title", "session__starts_at", "status", "updated_at")
        ),
        "attendance": list(
            Attendance.objects.filter(user=user)
            .order_by("session__starts_at", "id")
            .values("session__title", "session__starts_at", "status", "minutes")
        ),
        "preferences": [
            {
                "session_reminders": ReminderPreference.objects.filter(user=user)
                .values_list("choice", flat=True)
                .first()
                or "default",
                "calendar_feed_since": CalendarFeedToken.objects.filter(user=user)
                .values_list("created_at", flat=True)
                .first(),
            }
        ],
    }


def personal_data_erase(user) -> None:
    """Give up seats first (so waitlists move on), then drop RSVPs and preferences.

    Attendance stays, under the anonymized account: it is the facilitator's record of a session
    and the source of certificates others hold for the same session.
    """
    from events.services import rsvps_release

    rsvps_release(user=user)
    ReminderPreference.objects.filter(user=user).delete()
    ReminderSent.objects.filter(user=user).delete()
    CalendarFeedToken.objects.filter(user=user).delete()
