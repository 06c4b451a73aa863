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
# What a server accumulates after start-up (a thousand sockets' protocol and consumer objects) is
# walked again by every full collection: ~100 ms with 1,000 connections, measured. CPython starts
# one after every 10 middle-generation collections (when enough has piled up); after 100 instead,
# that stall comes about a tenth as often, and cyclic garbage waits a little longer for it.
gc.set_threshold(700, 10, 100)
# A collection that still takes long enough to show in the rooms' latency is logged.
watch_slow_collections()
