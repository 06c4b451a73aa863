"""Training and RSC hours a member earns toward endorsement."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class Source(models.TextChoices):
    SESSION = "session", "Attended session"
    SELF_LOGGED = "self", "Logged by the member"


class TrainingEntry(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_entries"
    )
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=200, blank=True)
    date = models.DateField()
    hours = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0.25)]
    )
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.SELF_LOGGED)
    session = models.ForeignKey(
        "events.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    competencies = models.ManyToManyField("competencies.Competency", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "training entries"

    def __str__(self) -> str:
        return f"{self.title} ({self.hours} h)"


class RscEntry(models.Model):
    """Reflective supervision/consultation received, confirmed by a provider on the platform."""

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
    format = models.CharField(max_length=12, choices=Format.choices)
    group_size = models.PositiveSmallIntegerField(null=True, blank=True)
    date = models.DateField()
    hours = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0.25)]
    )
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.SELF_LOGGED)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "RSC entry"
        verbose_name_plural = "RSC entries"

    def __str__(self) -> str:
        return f"RSC {self.date} ({self.hours} h)"
