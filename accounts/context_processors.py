"""Template context every page gets from accounts: the header's unread notification count."""

from django.utils.functional import SimpleLazyObject

from accounts.notifications import notifications_unread_for


def notifications(request) -> dict:
    """`notifications_unread`: the signed-in person's unread count (0 for visitors). Lazy: the
    one indexed COUNT query runs only when a template shows it, at most once per request."""

    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return notifications_unread_for(user=user).count()

    return {"notifications_unread": SimpleLazyObject(count)}
