"""The floor of bench/pages.py: the least a Django view can answer, through the same middleware."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def floor(request):
    # A fixed body and no database work: what any page costs before it does anything of its own.
    return HttpResponse(b"floor\n", content_type="text/plain; charset=utf-8")
