"""The competency framework and endorsement requirements, kept as data staff can edit.

Rules differ between associations and change over time, so every requirement carries the
association that set it and the date it takes effect; nothing here is a constant in code.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.text import slugify
from taggit.models import TagBase


def label_slug(label: str) -> str:
    """A stable URL slug for a short label: 'grief & loss' gives 'grief-loss'."""
    return slugify(label.replace("/", " ").replace("&", " "))


class Program(models.Model):
    """An endorsement program, such as IMH-E (prenatal to 36 months) or ECMH-E (3 to 6 years)."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    ages = models.CharField(max_length=80, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.code


class AreaOfExpertise(models.Model):
    class Confirmation(models.TextChoices):
        CONFIRMED = "yes", "Confirmed by a public source"
        PARTLY = "partly", "Partly confirmed"
        UNCONFIRMED = "no", "Not confirmed"

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    mentors_only = models.BooleanField(default=False)
    confirmed = models.CharField(
        max_length=8, choices=Confirmation.choices, default=Confirmation.UNCONFIRMED
    )

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "Area of Expertise"
        verbose_name_plural = "Areas of Expertise"

    def __str__(self) -> str:
        return self.name


class Competency(TagBase):
    """One competency of the framework: a short label only (the full wording belongs to MI-AIMH).

    It is also the tag model for competency tagging (django-taggit), so tagging draws from a
    controlled vocabulary: `name` is the short label and `slug` the stable URL slug.
    """

    area = models.ForeignKey(AreaOfExpertise, on_delete=models.PROTECT, related_name="competencies")
    order = models.PositiveSmallIntegerField(default=0)
    confirmed = models.BooleanField(
        default=False, help_text="Unticked where no public source confirmed this label."
    )

    class Meta:
        ordering = ["area__order", "order", "name"]
        verbose_name = "competency"
        verbose_name_plural = "competencies"

    def slugify(self, tag, i=None):
        slug = label_slug(tag)
        return f"{slug}-{i}" if i is not None else slug


class Association(models.Model):
    """An association that grants endorsement and sets its own requirements (e.g. PA-AIMH)."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=160)
    url = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EndorsementCategory(models.Model):
    """A category of endorsement (IFA, IFS, IMHS, Mentor...). Categories are not a ladder."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="categories")
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=160)
    scope = models.CharField(max_length=60, blank=True)
    education = models.CharField(max_length=255, blank=True)
    work_experience = models.CharField(max_length=255, blank=True)
    qualifies_rsc_provider = models.BooleanField(
        default=False,
        help_text="Holders of this category may provide reflective supervision that counts.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["program__order", "order", "code"]
        verbose_name = "endorsement category"
        verbose_name_plural = "endorsement categories"

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class CategoryRequirement(models.Model):
    """What one association asks for one category from a date on."""

    category = models.ForeignKey(
        EndorsementCategory, on_delete=models.CASCADE, related_name="requirements"
    )
    association = models.ForeignKey(Association, on_delete=models.PROTECT, related_name="+")
    effective_date = models.DateField()
    training_hours_min = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    training_note = models.CharField(max_length=255, blank=True)
    rsc_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Empty when this category requires no reflective supervision/consultation.",
    )
    rsc_window_min_months = models.PositiveSmallIntegerField(null=True, blank=True)
    rsc_window_max_months = models.PositiveSmallIntegerField(null=True, blank=True)
    rsc_about_provided_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Of the RSC hours, how many must be about the RSC the applicant provides.",
    )
    exam_required = models.BooleanField(default=False)

    class Meta:
        ordering = ["category", "association", "-effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "association", "effective_date"],
                name="requirement_once_per_category_association_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category.code} ({self.association.slug}, from {self.effective_date})"

    def clean(self):
        low, high = self.rsc_window_min_months, self.rsc_window_max_months
        if low is not None and high is not None and low > high:
            raise ValidationError("The RSC window's shortest length cannot exceed its longest.")
        if self.rsc_about_provided_hours and not self.rsc_hours:
            raise ValidationError("Hours about RSC provided need an RSC hours requirement.")
        if (
            self.rsc_about_provided_hours
            and self.rsc_hours
            and self.rsc_about_provided_hours > self.rsc_hours
        ):
            raise ValidationError("Hours about RSC provided cannot exceed the RSC hours.")


class RenewalRule(models.Model):
    """How an association renews endorsement: yearly hours, or a multi-year cycle."""

    association = models.ForeignKey(Association, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    effective_date = models.DateField()
    cycle_years = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    training_hours_per_cycle = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    rsc_hours_per_cycle = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Only for categories that require reflective supervision/consultation.",
    )
    rsc_provider_training_on_rsc_hours = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True
    )
    next_due = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["association", "-effective_date"]

    def __str__(self) -> str:
        return f"{self.name} ({self.association.slug})"
