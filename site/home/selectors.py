"""What the home page shows: a visitor learns what this is; a member sees their next steps."""

from collaboratives.selectors import memberships_active_for
from events.selectors import sessions_next_for
from resources.selectors import resource_cards_recent_for


def home_for(user) -> dict:
    context = {
        "recent_resources": resource_cards_recent_for(user=user, limit=6),
        "upcoming_sessions": sessions_next_for(user=user, limit=3),
    }
    if user.is_authenticated:
        memberships = list(memberships_active_for(user=user))
        context["memberships"] = memberships
        context["next_session"] = (
            context["upcoming_sessions"][0] if context["upcoming_sessions"] else None
        )
    return context
