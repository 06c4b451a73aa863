"""Training and RSC hours a member earns toward endorsement, and what members choose to share."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q


class Source(models.TextChoices):
    SESSION = "session", "Attended session"
    SELF_LOGGED = "self", "Logged by the member"


class AgeGroup(models.TextChoices):
    INFANT = "0-3", "Pregnancy to 36 months"
    EARLY_CHILDHOOD = "3-6", "3 up to 6 years"
    BOTH = "0-6", "Both age groups"


class DisputeMixin(models.Model):
    """A member disputes an entry made from attendance; only the facilitators can change it."""

    disputed_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.CharField(max_length=500, blank=True)
    note = models.CharField(
        max_length=300, blank=True, help_text="Why the entry looks the way it does."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class TrainingEntry(DisputeMixin):
    # Records of people's activity, not content: Wagtail's reference index (where pages,
    # images and documents are used) learns nothing from them, yet re-indexed each on
    # every save (a fifth of a room message's storage time). Likewise the other models here.
    wagtail_reference_index_ignore = True

    class Format(models.TextChoices):
        IN_PERSON = "in-person", "In person"
        VIRTUAL = "virtual", "Virtual (live)"
        SELF_PACED = "self-paced", "Self-paced online"
        CONFERENCE = "conference", "Conference"

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_entries"
    )
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=200, blank=True)
    date = models.DateField()
    hours = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0.25)]
    )
    format = models.CharField(max_length=12, choices=Format.choices, default=Format.IN_PERSON)
    about_providing_rsc = models.BooleanField(
        default=False, help_text="The training was about providing reflective supervision."
    )
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.SELF_LOGGED)
    session = models.ForeignKey(
        "events.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    competencies = models.ManyToManyField("competencies.Competency", blank=True, related_name="+")
    areas = models.ManyToManyField("competencies.AreaOfExpertise", blank=True, related_name="+")
    # Kept outside the public media folders and served only through an access-checked view.
    certificate = models.FileField(upload_to="private/certificates/%Y/%m/", blank=True)
    certificate_content_type = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "training entries"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "session"],
                condition=Q(session__isnull=False),
                name="training_entry_once_per_session",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.hours} h)"

    @property
    def is_automatic(self) -> bool:
        return self.source == Source.SESSION


class RscEntry(DisputeMixin):
    """Reflective supervision/consultation received, confirmed by a provider on the platform."""

    wagtail_reference_index_ignore = True

    class Format(models.TextChoices):
        INDIVIDUAL = "individual", "Individual"
        GROUP = "group", "Group"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsc_entries"
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rsc_entries_provided",
    )
    provider_name = models.CharField(max_length=160, blank=True)
    provider_endorsement_id = models.CharField(max_length=60, blank=True)
    format = models.CharField(max_length=12, choices=Format.choices)
    group_size = models.PositiveSmallIntegerField(null=True, blank=True)
    date = models.DateField()
    hours = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0.25)]
    )
    age_group = models.CharField(max_length=8, choices=AgeGroup.choices, blank=True)
    about_rsc_provided = models.BooleanField(
        "about the RSC I provide",
        default=False,
        help_text="Mentor-Clinical: this supervision was about the RSC you provide to others.",
    )
    peer_group = models.BooleanField(
        default=False, help_text="Peer supervision with no qualifying provider (does not count)."
    )
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.SELF_LOGGED)
    session = models.ForeignKey(
        "events.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "RSC entry"
        verbose_name_plural = "RSC entries"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "session"],
                condition=Q(session__isnull=False),
                name="rsc_entry_once_per_session",
            )
        ]

    def __str__(self) -> str:
        return f"RSC {self.date} ({self.hours} h)"

    @property
    def is_automatic(self) -> bool:
        return self.source == Source.SESSION

    @property
    def provider_label(self) -> str:
        if self.provider_id:
            return self.provider.name
        return self.provider_name


class SkippedCredit(models.Model):
    """An attended session that gave no hours, with the reason the member sees."""

    wagtail_reference_index_ignore = True

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey("events.Session", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "session"], name="skipped_credit_once")
        ]


class Credential(models.Model):
    """An endorsement a member holds; "verified" only once staff checked the association."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credentials"
    )
    category = models.ForeignKey(
        "competencies.EndorsementCategory", on_delete=models.PROTECT, related_name="+"
    )
    association = models.ForeignKey(
        "competencies.Association",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    endorsement_id = models.CharField("endorsement ID", max_length=60, blank=True)
    earned_on = models.DateField(null=True, blank=True)
    verification_requested_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["member", "category"]
        constraints = [
            models.UniqueConstraint(fields=["member", "category"], name="credential_once")
        ]

    def __str__(self) -> str:
        flag = "verified" if self.verified_at else "unverified"
        return f"{self.member} holds {self.category.code} ({flag})"


class Sharing(models.TextChoices):
    DETAILS = "details", "My facilitators see my hours and entries"
    STATUS = "status", "My facilitators see only whether I am on track or behind"


class EndorsementProfile(models.Model):
    """What a member shares (facilitators, directory) and ticks (documents), one per member."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsement_profile"
    )
    sharing = models.CharField(max_length=12, choices=Sharing.choices, default=Sharing.DETAILS)
    documents_done = models.JSONField(default=list, blank=True)
    organization = models.CharField(max_length=160, blank=True)
    # Member directory: nothing shows unless the member opts in, field by field.
    in_directory = models.BooleanField("list me in the member directory", default=False)
    show_sector = models.BooleanField(default=False)
    show_county = models.BooleanField(default=False)
    show_organization = models.BooleanField(default=False)
    show_collaboratives = models.BooleanField(default=False)
    show_badge = models.BooleanField("show my endorsement badge", default=False)
    # RSC provider directory (only for qualifying providers).
    provider_listed = models.BooleanField("list me in the RSC provider directory", default=False)
    provider_virtual = models.BooleanField("I offer RSC virtually", default=False)
    provider_individual = models.BooleanField("I offer individual RSC", default=False)
    provider_group = models.BooleanField("I offer group RSC", default=False)
    accepting_supervisees = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Endorsement profile of {self.member}"


class ContactRequest(models.Model):
    """A member asked a listed provider for RSC; the provider got an email, not the sender."""

    wagtail_reference_index_ignore = True

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    message = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
