"""Boards, topics and posts."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Board(models.Model):
    """Where topics live. Its scope decides who may read it."""

    class Scope(models.TextChoices):
        COHORT = "cohort", "Cohort members"
        COLLABORATIVE = "collaborative", "Collaborative members"
        COMMUNITY = "community", "All signed-in members"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(max_length=255, blank=True)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    cohort = models.ForeignKey(
        "collaboratives.Cohort", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    collaborative = models.ForeignKey(
        "collaboratives.Collaborative",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["scope", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="cohort", cohort__isnull=False, collaborative__isnull=True)
                    | Q(scope="collaborative", cohort__isnull=True, collaborative__isnull=False)
                    | Q(scope="community", cohort__isnull=True, collaborative__isnull=True)
                ),
                name="board_scope_matches_owner",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    class Kind(models.TextChoices):
        DISCUSSION = "discussion", "Discussion"
        CASE_CONSULTATION = "case-consultation", "Case consultation"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="topics")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.DISCUSSION)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    competencies = models.ManyToManyField("competencies.Competency", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_posted_at = models.DateTimeField(auto_now_add=True)
    is_pinned = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_pinned", "-last_posted_at"]

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Post #{self.pk} in {self.topic}"
