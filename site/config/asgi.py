"""ASGI entry point: HTTP through Django, WebSocket through Channels, one process."""

import gc
import os
import sys
from pathlib import Path

# site/ is a plain folder on the import path (see manage.py), also when Daphne imports us.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

# Django must be set up before anything imports models (consumers, routing).
django.setup(set_prefix=False)

from config.http_pool import HTTPThreadPool, SynchronousMiddlewareHandler  # noqa: E402

django_asgi_app = SynchronousMiddlewareHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from config.gc_watch import watch_slow_collections  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Long-lived threads that keep their database connections (config/http_pool.py).
        "http": HTTPThreadPool(
            django_asgi_app, threads=settings.HTTP_THREADS, outside=("/healthz",)
        ),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Everything loaded so far (Django, Wagtail, the URL and template machinery) lives as long as the
# process. Moving it out of the collector's reach keeps each full collection from walking it
# again: such a walk over a Wagtail-sized heap stalled live room deliveries by a few hundred ms.
gc.collect()
gc.freeze()
# What a server accumulates after start-up (thousands of sockets' protocol and consumer objects)
# is walked again by every full collection: about 0.6 s with 5,000 connections (bench/rooms.py,
# config/gc_watch.py), time in which no room delivers. Full collections come when objects that
# survived the middle generation have piled up: a middle-generation collection every 50 young ones
# (CPython: 10) lets a delivery's short-lived objects die young instead of piling up there, and a
# full one is considered after 100 middle ones (CPython: 10).
gc.set_threshold(700, 50, 100)
# A collection that still takes long enough to show in the rooms' latency is logged.
watch_slow_collections()
