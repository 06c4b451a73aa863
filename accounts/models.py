"""The platform's user: a professional with a sector, a county and an endorsement goal."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac


class Sector(models.TextChoices):
    CHILD_CARE = "child-care", "Child care"
    EARLY_INTERVENTION = "early-intervention", "Early intervention"
    HOME_VISITING = "home-visiting", "Home visiting"
    MEDICAL = "medical", "Medical"
    CHILD_WELFARE = "child-welfare", "Child welfare"
    MENTAL_HEALTH = "mental-health", "Mental health"
    OTHER = "other", "Other"


class MemberManager(UserManager):
    def get_by_natural_key(self, username):
        # Usernames are matched without regard to case, as people type them.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A person on the platform. Roles come from groups (staff editor, administrator, RSC
    provider) and from cohort memberships (member, facilitator); see accounts/rules.py."""

    email = models.EmailField("email address")
    display_name = models.CharField(
        max_length=80, blank=True, help_text="How other members see you. Defaults to your name."
    )
    sector = models.CharField(max_length=24, choices=Sector.choices, blank=True)
    county = models.CharField(max_length=40, blank=True)
    goal_category = models.ForeignKey(
        "competencies.EndorsementCategory",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="endorsement goal",
    )
    goal_is_renewal = models.BooleanField(
        default=False, help_text="Ticked when the goal is renewing an endorsement already held."
    )
    session_generation = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Raised by “sign out everywhere”: every session signed with an older one ends.",
    )

    objects = MemberManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.UniqueConstraint(Lower("username"), name="user_username_unique_ci"),
        ]

    def get_session_auth_hash(self) -> str:
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=secret)

    def _session_hash(self, *, secret) -> str:
        """Django's session hash (of the password hash), plus the session generation.

        Every session stores this hash at sign-in and Django compares it on each request (HTTP
        and WebSocket), so raising the generation ends all sessions, whatever the session
        engine. Generation 0 hashes exactly as Django does, so sessions begun before this
        field existed stay valid."""
        salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        value = self.password
        if self.session_generation:
            value = f"{value}:{self.session_generation}"
        return salted_hmac(salt, value, secret=secret, algorithm="sha256").hexdigest()

    # The columns `name` reads: lists of people load only these (room_selectors).
    NAME_FIELDS = ("username", "display_name", "first_name", "last_name")

    @property
    def name(self) -> str:
        """The name other members see."""
        return self.display_name or self.get_full_name() or self.username

    def __str__(self) -> str:
        return self.name


class AuditEntry(models.Model):
    """Who did what to what, and when: moderation, roles, and other actions that need a trail."""

    # Records of people's activity, not content: Wagtail's reference index (where pages,
    # images and documents are used) learns nothing from them, yet re-indexed each on
    # every save (a fifth of a room message's storage time). Likewise the other models here.
    wagtail_reference_index_ignore = True

    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_type}"


class Notification(models.Model):
    """Something that needs a person's attention: a mention, a reply, a report to review."""

    wagtail_reference_index_ignore = True

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
