"""`{% session_time moment zone %}`: a session's time as its own zone tells it.

A tag rather than an included template with two timezone filters: the session list shows it
for every session, and an include per session showed in its profile. The script in
static/js/events-localtime.js reads `datetime` and `data-zone` to add the reader's own time.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def session_time(moment, zone: str):
    if moment is None:
        return ""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        tz = timezone.get_current_timezone()
    local = timezone.localtime(moment, tz)
    return format_html(
        '<time class="events-time" datetime="{}" data-zone="{}">{}</time>',
        date_format(timezone.localtime(moment), "c"),  # as the date filter: the current zone
        zone,
        date_format(local, "D, M j, Y, g:i A T"),
    )
