"""Collaborative sessions, their recurring series, and members' RSVPs."""

from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

DEFAULT_TIMEZONE = "America/New_York"


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (use an IANA name).")


class Kind(models.TextChoices):
    DIDACTIC = "didactic", "Didactic training"
    CASE_CONSULTATION = "case-consultation", "Case consultation"
    REFLECTIVE_GROUP = "reflective-group", "Reflective group"
    LEARNING_SESSION = "learning-session", "Learning session"
    OFFICE_HOURS = "office-hours", "Office hours"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    COLLABORATIVE = "collaborative", "Collaborative members"
    COHORT = "cohort", "Cohort members"


class SessionSeries(models.Model):
    """A recurring series: an RFC 5545 rule in the series' local time, expanded into sessions."""

    collaborative = models.ForeignKey(
        "collaboratives.Collaborative", on_delete=models.CASCADE, related_name="series"
    )
    cohort = models.ForeignKey(
        "collaboratives.Cohort", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    rrule = models.CharField(max_length=500, help_text="RFC 5545 rule, e.g. FREQ=MONTHLY;BYDAY=2TU")
    first_start = models.DateTimeField(help_text="Local start of the first occurrence.")
    duration_minutes = models.PositiveIntegerField(default=60)
    timezone = models.CharField(
        max_length=64, default=DEFAULT_TIMEZONE, validators=[validate_timezone]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # What each new occurrence copies (kind, description, place, capacity, visibility,
    # materials, ids of competencies, facilitators and presenters, local start time): expansion
    # runs later, as time passes, so edits to "all" or "this and following" reach occurrences
    # not stored yet.
    template = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "session series"

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    """One meeting of a collaborative, possibly an occurrence of a series."""

    collaborative = models.ForeignKey(
        "collaboratives.Collaborative", on_delete=models.CASCADE, related_name="sessions"
    )
    cohort = models.ForeignKey(
        "collaboratives.Cohort",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sessions",
    )
    series = models.ForeignKey(
        SessionSeries, on_delete=models.CASCADE, null=True, blank=True, related_name="sessions"
    )
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.LEARNING_SESSION)
    description = models.TextField(blank=True)
    competencies = models.ManyToManyField(
        "competencies.Competency", blank=True, related_name="sessions"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = models.CharField(
        max_length=64, default=DEFAULT_TIMEZONE, validators=[validate_timezone]
    )
    location = models.CharField(
        max_length=255, blank=True, help_text="Shown only to people who may attend."
    )
    video_url = models.URLField(blank=True, help_text="Shown only to people who may attend.")
    capacity = models.PositiveIntegerField(null=True, blank=True)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.COLLABORATIVE
    )
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="facilitated_sessions"
    )
    presenters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="presented_sessions"
    )
    # A list of {"title": ..., "url": ...}: links to resource pages and documents.
    materials = models.JSONField(default=list, blank=True)
    # The start the series' rule gave this occurrence (its recurrence id). It stays when the
    # occurrence is moved, so expanding the series again never recreates a moved occurrence.
    occurrence_start = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attendance_closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["collaborative", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:session", kwargs={"session_id": self.pk})

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Rsvp(models.Model):
    # Records of people's activity, not content: Wagtail's reference index (where pages,
    # images and documents are used) learns nothing from them, yet re-indexed each on
    # every save (a fifth of a room message's storage time). Likewise the other models here.
    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        GOING = "going", "Going"
        NOT_GOING = "not-going", "Not going"
        WAITLISTED = "waitlisted", "On the waitlist"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.GOING)
    updated_at = models.DateTimeField(auto_now=True)
    # When this person joined the waitlist: the earliest is promoted first.
    waitlisted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="rsvp_once_per_session")
        ]
        indexes = [models.Index(fields=["session", "status"])]

    def __str__(self) -> str:
        return f"{self.user} {self.status} {self.session}"


class CalendarFeedToken(models.Model):
    """The secret in a member's personal calendar feed address, kept only as a SHA-256 hash.

    Calendar apps poll the feed without a session, so the address itself is the credential: it is
    shown once when made, can be rotated (a new address, the old one stops) or revoked.
    """

    wagtail_reference_index_ignore = True

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_token"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"


class Attendance(models.Model):
    """One person's attendance at one occurrence, as a facilitator recorded it."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        PARTIAL = "partial", "Partly present"
        ABSENT = "absent", "Absent"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_attendance"
    )
    status = models.CharField(max_length=8, choices=Status.choices)
    minutes = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="attendance_once_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.status} at {self.session}"


class ReminderPreference(models.Model):
    """Which session reminders a member wants by email (none stored means both)."""

    class Choice(models.TextChoices):
        BOTH = "both", "A day before and an hour before"
        DAY = "day", "Only a day before"
        HOUR = "hour", "Only an hour before"
        NONE = "none", "No reminders"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_reminders"
    )
    choice = models.CharField(max_length=8, choices=Choice.choices, default=Choice.BOTH)

    def __str__(self) -> str:
        return f"{self.user}: {self.choice}"


class ReminderSent(models.Model):
    """A reminder that went out; the unique row is what keeps a second run from resending it."""

    class Kind(models.TextChoices):
        DAY = "day", "A day before"
        HOUR = "hour", "An hour before"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user", "kind"], name="reminder_sent_once")
        ]
