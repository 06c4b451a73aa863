"""Session pages: transport only; reads go through selectors."""

from django.shortcuts import render

from events import selectors


def session_list(request):
    return render(
        request,
        "events/session_list.html",
        {"sessions": selectors.sessions_upcoming_for(user=request.user)},
    )
