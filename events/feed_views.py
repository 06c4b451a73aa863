"""Calendar files and feeds over HTTP, and the page where a member manages their feed address."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from collaboratives.models import Collaborative
from events import feed_selectors, feed_services, ical
from events.models import CalendarFeedToken
from events.selectors import sessions_visible_to

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _calendar_response(body: bytes, *, filename: str, private: bool, download: bool):
    response = HttpResponse(body, content_type=CALENDAR_TYPE)
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    # A feed address with a secret in it must not be cached by shared caches or leak onward.
    response["Cache-Control"] = "private, max-age=300" if private else "public, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def session_calendar(request, session_id: int):
    """ "Add to calendar": one session the viewer may see, as a download."""
    session = get_object_or_404(
        sessions_visible_to(user=request.user).select_related("collaborative"), pk=session_id
    )
    body = ical.session_ics(session=session, viewer=request.user)
    filename = f"{slugify(session.title)[:60] or 'session'}-{session.starts_at:%Y-%m-%d}.ics"
    return _calendar_response(
        body, filename=filename, private=request.user.is_authenticated, download=True
    )


@require_GET
def collaborative_calendar(request, collaborative_slug: str):
    """A collaborative's sessions: public ones, and with a member's token also theirs."""
    collaborative = get_object_or_404(Collaborative, slug=collaborative_slug)
    token = request.GET.get("token")
    user = None
    if token is not None:
        user = feed_services.calendar_feed_user_for(token=token)
        if user is None:
            raise Http404("This calendar address is not valid (any more).")
    sessions = feed_selectors.feed_sessions_of_collaborative(collaborative=collaborative, user=user)
    body = ical.sessions_ics(sessions=sessions, viewer=user, name=collaborative.name)
    return _calendar_response(
        body, filename=f"{collaborative.slug}.ics", private=user is not None, download=False
    )


@require_GET
def member_calendar(request, token: str):
    """A member's personal feed: the sessions they RSVP'd to. The token is the credential."""
    user = feed_services.calendar_feed_user_for(token=token)
    if user is None:
        raise Http404("This calendar address is not valid (any more).")
    sessions, statuses = feed_selectors.feed_sessions_of_member(user=user)
    body = ical.sessions_ics(
        sessions=sessions, viewer=user, name="My IMH sessions", statuses=statuses
    )
    return _calendar_response(body, filename="my-sessions.ics", private=True, download=False)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feed(request):
    """Make, rotate or revoke the personal feed address; it is shown once, right after making."""
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "rotate":
            new_token = feed_services.calendar_feed_token_rotate(user=request.user)
        elif action == "revoke":
            if feed_services.calendar_feed_token_revoke(user=request.user):
                messages.success(request, "Your calendar feed address no longer works.")
            else:
                messages.info(request, "You had no calendar feed address.")
            return redirect("events:calendar_feed")
        else:
            messages.error(request, "Choose to make a new address or to turn the feed off.")
            return redirect("events:calendar_feed")
    memberships = (
        Collaborative.objects.filter(
            cohorts__memberships__user=request.user, cohorts__memberships__left_at__isnull=True
        )
        .distinct()
        .order_by("name")
    )
    context = {
        "has_feed": new_token is not None
        or CalendarFeedToken.objects.filter(user=request.user).exists(),
        "new_token": new_token,
        "personal_url": (
            request.build_absolute_uri(reverse("events:member_calendar", args=[new_token]))
            if new_token
            else None
        ),
        "collaboratives": [
            _collaborative_feeds(request, collaborative, new_token) for collaborative in memberships
        ],
    }
    response = render(request, "events/calendar_feed.html", context, status=200)
    if new_token:
        response["Cache-Control"] = "no-store"
    return response


def _collaborative_feeds(request, collaborative, token: str | None) -> dict:
    """A collaborative's public feed address, and the member's one while their token is shown."""
    public_url = request.build_absolute_uri(
        reverse("events:collaborative_calendar", args=[collaborative.slug])
    )
    return {
        "name": collaborative.name,
        "public_url": public_url,
        "member_url": f"{public_url}?token={token}" if token else None,
    }
