"""Template context every page gets from accounts: the header's unread notification count."""

from django.utils.functional import SimpleLazyObject

from accounts.notifications import notifications_unread_count


def notifications(request) -> dict:
    """`notifications_unread`: the signed-in person's unread count (0 for visitors). Lazy: read
    only when a template shows it, at most once per request, from the cache when there."""

    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return notifications_unread_count(user=user)

    return {"notifications_unread": SimpleLazyObject(count)}
