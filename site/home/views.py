"""Health endpoint (database, channel layer and search backend, each reported) and the page
view in front of Wagtail's."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from wagtail import views as wagtail_views

from resources.routing import route_request

# A health probe must answer fast even when the database does not: waiting for a pooled
# connection can take the pool's whole timeout (10 s), longer than a probe waits, so a short
# outage would never show. The round trip runs in a small thread pool of its own, with a
# deadline; the search check, which reads the index's tables, runs only when it answered.
DATABASE_DEADLINE_SECONDS = 3
_database_probe = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz-db")


def _database_round_trip() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _probe_database() -> str:
    try:
        return _database_round_trip()
    finally:
        connection.close()  # this probe thread's connection: back to the pool, or closed


def _check_database() -> dict:
    future = _database_probe.submit(_probe_database)
    try:
        vendor = future.result(timeout=DATABASE_DEADLINE_SECONDS)
    except FuturesTimeout:
        raise TimeoutError(
            f"the database did not answer within {DATABASE_DEADLINE_SECONDS} s"
        ) from None
    return {"ok": True, "vendor": vendor}


async def _layer_round_trip() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    await layer.send(channel, {"type": "healthz.ping"})
    await asyncio.wait_for(layer.receive(channel), timeout=2)


def _check_channel_layer() -> dict:
    layer = get_channel_layer()
    async_to_sync(_layer_round_trip)()
    return {"ok": True, "backend": type(layer).__name__}


def _check_search() -> dict:
    from resources.search import backend_status

    return backend_status()


@never_cache
@require_GET
def healthz(request):
    components = {}
    for name, check in (
        ("database", _check_database),
        ("channel_layer", _check_channel_layer),
        ("search", _check_search),
    ):
        if name == "search" and not components["database"]["ok"]:
            # Its index is database tables (and its status counts them): asking would wait for
            # the pool's whole timeout on top of the database check's deadline.
            components[name] = {"ok": False, "error": "not checked: the database is not answering"}
            continue
        try:
            components[name] = check()
        except Exception as error:  # a health check reports every failure, whatever its kind
            components[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    healthy = all(component["ok"] for component in components.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "components": components},
        status=200 if healthy else 503,
    )


def serve_page(request, path):
    """A Wagtail page: the route settled from the checked cache first, then Wagtail's view."""
    route_request(request, path)
    return wagtail_views.serve(request, path)
