"""The notifications page: what needs a person's attention, newest first; transport only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.models import Notification
from accounts.notifications import notifications_mark_read

PER_PAGE = 30


def _safe_local_url(url: str) -> bool:
    """Only a path on this site is followed: never another host, not even "//host" or "/\\host"."""
    return (
        url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    )


@never_cache  # per-person and changes as notifications arrive
@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    if request.method == "POST":
        # The only action of the page: "Mark all read".
        marked = notifications_mark_read(user=request.user)
        if marked:
            messages.success(
                request, f"{marked} notification{'s' if marked != 1 else ''} marked read."
            )
        else:
            messages.info(request, "You had no unread notifications.")
        return redirect("notifications")
    page = Paginator(
        Notification.objects.filter(user=request.user).order_by("-created_at", "-id"), PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/notifications.html",
        {"page_obj": page, "notifications": page.object_list},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request, pk: int):
    """Follow a notification: mark it read, then go where it points (only the owner's)."""
    notification = Notification.objects.filter(pk=pk, user=request.user).first()
    if notification is None:
        raise Http404("No such notification.")
    notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    if _safe_local_url(notification.url):
        return redirect(notification.url)
    return redirect("notifications")
