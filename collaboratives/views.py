"""Collaborative and cohort pages: transport only; reads go through selectors."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from collaboratives import selectors


@login_required
def my_collaboratives(request):
    return render(
        request,
        "collaboratives/my_collaboratives.html",
        {"memberships": selectors.memberships_active_for(user=request.user)},
    )
