"""HTTP requests on a fixed set of long-lived threads, each keeping its database connection.

Django's ASGI handler runs every request in a ThreadSensitiveContext of its own, for which asgiref
starts a new thread and stops it at the end: each request's synchronous part (middleware, views,
the ORM) ran in a fresh thread and, Django's connections being per thread, opened a fresh
database connection that CONN_MAX_AGE could never reuse. Here each request borrows one of
`threads` single-thread executors for its whole length instead, as a request in a WSGI server
borrows one of its threads. Django's own context inside then changes nothing, and its
request_started/request_finished signals (close_old_connections) run on the borrowed thread, so
CONN_MAX_AGE, CONN_HEALTH_CHECKS and a backend pool govern the connection as they do under WSGI.
When every thread is busy, a request waits for one (first come, first served): this also bounds
how many requests do synchronous work at once. A task started during a request that outlives it
can no longer call thread-sensitive code (asgiref raises RuntimeError) rather than slip onto a
thread another request holds.

Paths in `outside` skip the pool and keep Django's thread per request: the health probe must
answer while every pooled thread waits on a database that is down (its own database check has
a deadline thread of its own), not queue behind those requests.
"""

import asyncio
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler


class HTTPThreadPool:
    """ASGI middleware: run `app` with one of `threads` long-lived threads per request."""

    def __init__(self, app, threads: int, outside: tuple[str, ...] = ()) -> None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(
                f"HTTPThreadPool needs a whole number of threads >= 1, not {threads!r}"
            )
        self.app = app
        self.outside = frozenset(outside)
        # One thread each: everything a request does synchronously stays on the thread that
        # holds its database connection, and no two requests share one at the same time.
        self.workers = tuple(
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"http-{number}")
            for number in range(threads)
        )
        self._free = list(self.workers)
        self._waiting: deque[asyncio.Future] = deque()
        # The event loop is the only caller in a server; tests drive one instance from several
        # loops in turn, and a lock costs nothing next to a request.
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send) -> None:
        if scope.get("path") in self.outside:
            await self.app(scope, receive, send)
            return
        # Daphne calls the app once the whole request body has arrived and buffers what is sent
        # back, so a slow upload or a slow reader holds no thread.
        worker = await self._take()
        try:
            # A new context each time (one with an executor can be entered once); the executor
            # stays ours and is not shut down when the context exits.
            async with ThreadSensitiveContext(executor=worker):
                await self.app(scope, receive, send)
        finally:
            # Also when the request failed or was cancelled (the client went away). Synchronous
            # work it left running finishes first: the thread takes the next request's after it.
            self._give_back(worker)

    async def _take(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._free:
                # The most recently used thread: its connection is the one most surely open.
                return self._free.pop()
            turn = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
        try:
            return await turn
        except BaseException:
            with self._lock:
                if turn in self._waiting:
                    self._waiting.remove(turn)
            # Cancelled just after a thread was handed over: it goes to the next in line.
            if turn.done() and not turn.cancelled():
                self._give_back(turn.result())
            raise

    def _give_back(self, worker: ThreadPoolExecutor) -> None:
        with self._lock:
            while self._waiting:
                turn = self._waiting.popleft()
                if turn.done():
                    continue
                loop = turn.get_loop()
                if loop is asyncio.get_running_loop():
                    turn.set_result(worker)
                    return
                try:
                    loop.call_soon_threadsafe(self._hand_over, turn, worker)
                except RuntimeError:  # that loop has closed; its request is gone
                    continue
                return
            self._free.append(worker)

    def _hand_over(self, turn: asyncio.Future, worker: ThreadPoolExecutor) -> None:
        if turn.done():  # cancelled while the thread was on its way
            self._give_back(worker)
        else:
            turn.set_result(worker)


class SynchronousMiddlewareHandler(ASGIHandler):
    """Django's ASGI handler with the middleware chain loaded as under WSGI: synchronous.

    With the chain loaded for async, Django hops between the event loop and the request's
    thread at every change of mode: around each middleware that is only synchronous, and twice
    per middleware for each MiddlewareMixin's process_request/process_response in async mode;
    every hop costs a context copy, a future and a wake-up of the loop. Every view here is
    synchronous, so the chain runs start to end on the request's thread in one hop instead.
    Reading the body, sending the response and noticing a client that went away stay Django's.
    """

    def __init__(self) -> None:
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
