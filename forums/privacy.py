"""What forums hold about a member, for the privacy export and account deletion."""

from accounts.privacy import Tables
from forums.models import DigestPreference, Post, PostReport, ReadState, Subscription, Topic


def personal_data_export(user) -> Tables:
    return {
        "topics": list(
            Topic.objects.filter(author=user)
            .order_by("id")
            .values("id", "board__name", "title", "kind", "created_at")
        ),
        "posts": list(
            Post.objects.filter(author=user)
            .order_by("id")
            .values("id", "topic__title", "created_at", "edited_at", "body")
        ),
        "following": list(
            Subscription.objects.filter(user=user)
            .order_by("id")
            .values("topic__title", "board__name", "level", "created_at")
        ),
        "reports_filed": list(
            PostReport.objects.filter(reporter=user)
            .order_by("id")
            .values("post_id", "reason", "created_at")
        ),
        "digest": list(DigestPreference.objects.filter(user=user).values("frequency")),
    }


def personal_data_erase(user) -> None:
    """Stop following and reading; topics and posts stay, from a former member."""
    Subscription.objects.filter(user=user).delete()
    ReadState.objects.filter(user=user).delete()
    DigestPreference.objects.filter(user=user).delete()
