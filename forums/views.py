"""Forum pages: transport only."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from forums import selectors


@login_required
def board_list(request):
    boards = selectors.boards_readable_by(user=request.user).prefetch_related("topics")
    return render(request, "forums/board_list.html", {"boards": boards})
