"""Wagtail's user bar, asked for only by people who can hold admin access."""

from django import template
from wagtail.admin.templatetags.wagtailuserbar import wagtailuserbar

from accounts.rules import holds_a_role

register = template.Library()


@register.simple_tag(takes_context=True)
def site_userbar(context, position="bottom-right"):
    """Wagtail asks every signed-in person's permissions (two queries) to learn whether to show
    its bar. Admin access comes only with a role (a group) or as a superuser (accounts/roles.py),
    so most members, who hold neither, are answered from the role check every page makes anyway."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return ""
    if not user.is_superuser and not holds_a_role(user):
        return ""
    return wagtailuserbar(context, position)
