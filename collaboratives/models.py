"""Collaboratives, cohorts, memberships, invitations and cohort rooms."""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Collaborative(models.Model):
    """A learning collaborative: months of sessions and discussion toward endorsement."""

    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    program = models.ForeignKey(
        "competencies.Program", on_delete=models.PROTECT, related_name="collaboratives"
    )
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    is_public = models.BooleanField(
        default=True, help_text="Visitors may see the landing page and public sessions."
    )
    message_retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(30)],
        help_text="Delete room messages older than this many days (at least 30; 730 is two "
        "years). Empty keeps them forever.",
    )

    class Meta:
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


class Cohort(models.Model):
    """A group of members within a collaborative who learn and talk together."""

    collaborative = models.ForeignKey(
        Collaborative, on_delete=models.CASCADE, related_name="cohorts"
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["collaborative", "starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "slug"], name="cohort_slug_unique")
        ]

    def __str__(self) -> str:
        return f"{self.collaborative.name}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse(
            "collaboratives:cohort",
            kwargs={"collaborative_slug": self.collaborative.slug, "cohort_slug": self.slug},
        )


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    FACILITATOR = "facilitator", "Facilitator"


class Membership(models.Model):
    """A person's place in a cohort. Leaving keeps the row (left_at) for the record."""

    wagtail_reference_index_ignore = True

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "user"],
                condition=Q(left_at__isnull=True),
                name="membership_active_once",
            )
        ]
        indexes = [models.Index(fields=["user", "left_at"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort} ({self.role})"


class Invitation(models.Model):
    """An emailed link to join a cohort. Only a hash of its token is stored; it works once."""

    wagtail_reference_index_ignore = True

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.cohort}"


class Room(models.Model):
    """A live discussion room of a cohort."""

    # Records of people's activity, not content: Wagtail's reference index (where pages,
    # images and documents are used) learns nothing from them, yet re-indexed each on
    # every save (a fifth of a room message's storage time). Likewise the other models here.
    wagtail_reference_index_ignore = True

    class Kind(models.TextChoices):
        DISCUSSION = "discussion", "Discussion"
        CASE_CONSULTATION = "case-consultation", "Case consultation"
        ANNOUNCEMENTS = "announcements", "Announcements"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.DISCUSSION)
    facilitators_only_post = models.BooleanField(
        default=False, help_text="Only facilitators post here (e.g. announcements)."
    )
    locked_at = models.DateTimeField(
        null=True, blank=True, help_text="While locked, nobody posts; everyone still reads."
    )
    # The newest message's id: posting takes this row's lock, so ids of one room are stored
    # (and committed) in order, and each message can name its predecessor (prev_id).
    last_message_id = models.BigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cohort", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("collaboratives:room", kwargs={"room_id": self.pk})

    @property
    def ws_path(self) -> str:
        """Where the browser opens this room's WebSocket (docs: the public contracts)."""
        return f"/ws/rooms/{self.pk}/"

    @property
    def group_name(self) -> str:
        """The channel-layer group of this room (ASCII only, built from the id)."""
        return f"room-{self.pk}"


class RoomMessage(models.Model):
    """A message in a room. Ids increase in the order messages were stored."""

    wagtail_reference_index_ignore = True

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="room_messages"
    )
    client_id = models.UUIDField(default=uuid.uuid4)
    prev_id = models.BigIntegerField(null=True, blank=True)
    body = models.TextField()
    html = models.TextField()
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mentions = models.JSONField(default=list, blank=True, help_text="Ids of mentioned people.")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_id"], name="message_client_id_once")
        ]
        indexes = [models.Index(fields=["room", "id"])]

    def __str__(self) -> str:
        return f"#{self.pk} in {self.room}"


class RoomMessageRevision(models.Model):
    """An earlier text of an edited message; moderators can read the history."""

    wagtail_reference_index_ignore = True

    message = models.ForeignKey(RoomMessage, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    replaced_at = models.DateTimeField(auto_now_add=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["message", "id"]


class Reaction(models.Model):
    wagtail_reference_index_ignore = True

    message = models.ForeignKey(RoomMessage, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="reaction_once")
        ]


class RoomReadState(models.Model):
    """Where a member stopped reading a room."""

    wagtail_reference_index_ignore = True

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="read_states")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="read_state_once")]


class RoomMute(models.Model):
    """A facilitator silenced a member in a room until a time."""

    wagtail_reference_index_ignore = True

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["room", "user", "until"])]


class MessageReport(models.Model):
    """A member asked the cohort's facilitators to look at a message."""

    wagtail_reference_index_ignore = True

    class Outcome(models.TextChoices):
        OPEN = "open", "Open"
        REMOVED = "removed", "Message removed"
        DISMISSED = "dismissed", "No action needed"

    message = models.ForeignKey(RoomMessage, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "reporter"],
                condition=Q(outcome="open"),
                name="report_open_once_per_reporter",
            )
        ]


class RoomPresence(models.Model):
    """One open connection to a room, refreshed while it lives; stale rows are ignored."""

    wagtail_reference_index_ignore = True

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["room", "seen_at"])]
