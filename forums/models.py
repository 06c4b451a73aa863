"""Boards, topics and posts; read state, follows, reports, revisions and digest preferences."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


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

    def get_absolute_url(self) -> str:
        return reverse("forums:board", args=[self.slug])


class Topic(models.Model):
    class Kind(models.TextChoices):
        DISCUSSION = "discussion", "Discussion"
        CASE_CONSULTATION = "case-consultation", "Case consultation"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="topics")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.DISCUSSION)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    competencies = models.ManyToManyField("competencies.Competency", blank=True, related_name="+")
    # Same floor as events, so a string reference: forums never imports events' models.
    session = models.ForeignKey(
        "events.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resource = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_posted_at = models.DateTimeField(auto_now_add=True)
    is_pinned = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    answer = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Denormalised so that a topic list is one query whatever its length.
    reply_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-is_pinned", "-last_posted_at", "-id"]
        indexes = [models.Index(fields=["board", "-is_pinned", "-last_posted_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forums:topic", args=[self.pk])


class Post(models.Model):
    # Records of people's activity, not content: Wagtail's reference index (where pages,
    # images and documents are used) learns nothing from them, yet re-indexed each on
    # every save (a fifth of a room message's storage time). Likewise the other models here.
    wagtail_reference_index_ignore = True

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The Markdown the author wrote, and its sanitized HTML (rendered once, on write).
    body = models.TextField()
    html = models.TextField()
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Post #{self.pk} in {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("forums:post", args=[self.pk])


class PostRevision(models.Model):
    """The text a post had before an edit: edit history is kept, never overwritten."""

    wagtail_reference_index_ignore = True

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    html = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class ReadState(models.Model):
    """How far one person has read one topic (the highest post id seen)."""

    wagtail_reference_index_ignore = True

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="read_states")
    last_read_post_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="forum_read_state_once")
        ]


class Subscription(models.Model):
    """Following or muting a topic or a whole board."""

    wagtail_reference_index_ignore = True

    class Level(models.TextChoices):
        FOLLOW = "follow", "Following"
        MUTE = "mute", "Muted"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    board = models.ForeignKey(
        Board, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.FOLLOW)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(topic__isnull=False, board__isnull=True)
                | Q(topic__isnull=True, board__isnull=False),
                name="forum_subscription_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "topic"],
                condition=Q(topic__isnull=False),
                name="forum_subscription_topic_once",
            ),
            models.UniqueConstraint(
                fields=["user", "board"],
                condition=Q(board__isnull=False),
                name="forum_subscription_board_once",
            ),
        ]


class PostReport(models.Model):
    """A member asks the facilitators to look at a post."""

    wagtail_reference_index_ignore = True

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]


class DigestPreference(models.Model):
    """How often a person wants the email digest of followed topics."""

    class Frequency(models.TextChoices):
        NEVER = "never", "Never"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_digest"
    )
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.NEVER)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    # Every post up to this id was in a digest already (or predates the subscription to it):
    # the digest claims by moving this mark, so no post is ever emailed twice.
    last_post_id = models.BigIntegerField(default=0)
