"""HTTP requests run on a few long-lived threads that keep their database connections
(config/http_pool.py), not on a new thread and a new connection each (Django's ASGI handler)."""

import asyncio
import threading

import pytest
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from channels.testing import HttpCommunicator
from django.db import connections
from django.db.backends.signals import connection_created

from config.http_pool import HTTPThreadPool
from tests.home.test_settings import _manage

SCOPE = {"type": "http", "method": "GET", "path": "/"}


async def never_called():
    raise AssertionError("the test apps do not receive")


async def no_send(message):
    raise AssertionError("the test apps do not send")


def django_like(sync_work):
    """An ASGI app shaped like Django's handler: a ThreadSensitiveContext of its own around
    thread-sensitive synchronous work."""

    async def app(scope, receive, send):
        async with ThreadSensitiveContext():
            await sync_to_async(sync_work)()

    return app


async def request(app):
    await asyncio.wait_for(app(dict(SCOPE), never_called, no_send), timeout=5)


async def wait_until(condition, timeout=5.0):
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


# --- threads are reused --------------------------------------------------------------------------
async def test_without_the_pool_every_request_gets_a_new_thread():
    # The cause, kept as a check that the test below would see it: asgiref starts a thread per
    # context. Thread objects, not idents: an ident is recycled once its thread has ended.
    seen = []
    app = django_like(lambda: seen.append(threading.current_thread()))

    for _ in range(3):
        await request(app)

    assert len({id(thread) for thread in seen}) == 3


async def test_consecutive_requests_run_on_one_long_lived_thread():
    seen = []
    pool = HTTPThreadPool(django_like(lambda: seen.append(threading.current_thread())), threads=4)

    for _ in range(5):
        await request(pool)

    assert len(seen) == 5
    assert len({id(thread) for thread in seen}) == 1
    assert seen[0].name.startswith("http-")
    assert seen[0].is_alive()  # not shut down at the end of a request


async def test_a_request_does_all_its_synchronous_work_on_its_thread():
    seen = []

    async def app(scope, receive, send):
        # Django calls sync middleware, the view and the request signals one by one, some from
        # a task of their own; all must land on the thread that holds the request's connection.
        async with ThreadSensitiveContext():
            await sync_to_async(lambda: seen.append(threading.current_thread()))()
            await asyncio.create_task(
                sync_to_async(lambda: seen.append(threading.current_thread()))()
            )
            await sync_to_async(lambda: seen.append(threading.current_thread()))()

    await request(HTTPThreadPool(app, threads=2))

    assert len({id(thread) for thread in seen}) == 1
    assert seen[0].name.startswith("http-")  # Django's own context inside changes nothing


# --- at most N requests run synchronous code at once ---------------------------------------------
async def test_at_most_n_requests_run_sync_code_at_once_and_the_rest_wait():
    lock = threading.Lock()
    release = threading.Event()
    state = {"running": 0, "peak": 0, "finished": 0}
    threads = set()

    def work():
        with lock:
            state["running"] += 1
            state["peak"] = max(state["peak"], state["running"])
            threads.add(threading.current_thread())
        release.wait(5)
        with lock:
            state["running"] -= 1
            state["finished"] += 1

    pool = HTTPThreadPool(django_like(work), threads=2)
    tasks = [asyncio.create_task(request(pool)) for _ in range(6)]
    try:
        await wait_until(lambda: state["running"] == 2)
        await asyncio.sleep(0.2)  # time enough for a third to start, were it allowed
        assert state["running"] == 2
        assert state["finished"] == 0
        assert not any(task.done() for task in tasks)
    finally:
        release.set()
    await asyncio.gather(*tasks)

    assert state == {"running": 0, "peak": 2, "finished": 6}
    assert len(threads) == 2


async def test_waiting_requests_are_served_in_arrival_order():
    order = []
    gate = asyncio.Event()

    async def app(scope, receive, send):
        order.append(scope["number"])
        if scope["number"] == 0:
            await gate.wait()

    pool = HTTPThreadPool(app, threads=1)
    tasks = []
    for number in range(4):
        tasks.append(asyncio.create_task(pool({"number": number}, never_called, no_send)))
        await asyncio.sleep(0.01)
    gate.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)

    assert order == [0, 1, 2, 3]


# --- a thread always comes back -------------------------------------------------------------------
async def test_a_request_cancelled_mid_way_gives_its_thread_back():
    # Daphne cancels the request's task when the client has gone away.
    started = asyncio.Event()

    async def hangs(scope, receive, send):
        async with ThreadSensitiveContext():
            await sync_to_async(lambda: None)()
            started.set()
            await asyncio.Event().wait()

    seen = []

    async def app(scope, receive, send):
        if scope.get("hang"):
            await hangs(scope, receive, send)
        else:
            await django_like(lambda: seen.append(threading.current_thread()))(scope, receive, send)

    pool = HTTPThreadPool(app, threads=1)
    abandoned = asyncio.create_task(pool({**SCOPE, "hang": True}, never_called, no_send))
    await asyncio.wait_for(started.wait(), timeout=5)
    abandoned.cancel()
    with pytest.raises(asyncio.CancelledError):
        await abandoned

    await request(pool)  # with the thread lost, this would wait for ever (and time out)

    assert seen[0].name.startswith("http-")


async def test_a_request_cancelled_during_sync_work_leaves_the_thread_to_finish_it_first():
    release = threading.Event()
    events = []

    def slow():
        events.append("slow started")
        release.wait(5)
        events.append("slow finished")

    def quick():
        events.append("next request")

    async def app(scope, receive, send):
        async with ThreadSensitiveContext():
            await sync_to_async(slow if scope.get("slow") else quick)()

    pool = HTTPThreadPool(app, threads=1)
    abandoned = asyncio.create_task(pool({**SCOPE, "slow": True}, never_called, no_send))
    await wait_until(lambda: events == ["slow started"])
    abandoned.cancel()
    with pytest.raises(asyncio.CancelledError):
        await abandoned
    following = asyncio.create_task(request(pool))
    await asyncio.sleep(0.2)
    # The thread is the pool's again, but never runs two requests' code at once.
    assert events == ["slow started"]
    release.set()
    await following

    assert events == ["slow started", "slow finished", "next request"]


async def _one_thread_held():
    """A one-thread pool whose thread the first request holds until `gate` is set; `served`
    lists the names of the requests that ran, in order."""
    gate = asyncio.Event()
    served = []

    async def app(scope, receive, send):
        if scope.get("first"):
            await gate.wait()
        served.append(scope.get("name"))

    pool = HTTPThreadPool(app, threads=1)
    first = asyncio.create_task(pool({**SCOPE, "first": True}, never_called, no_send))
    await asyncio.sleep(0.01)
    return pool, gate, served, first


async def test_a_request_cancelled_while_waiting_for_a_thread_takes_none():
    pool, gate, served, first = await _one_thread_held()
    waiting = asyncio.create_task(pool({**SCOPE, "name": "gave up"}, never_called, no_send))
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    gate.set()
    await asyncio.wait_for(first, timeout=5)

    await asyncio.wait_for(pool({**SCOPE, "name": "later"}, never_called, no_send), timeout=5)

    assert served == [None, "later"]


async def test_a_request_cancelled_just_as_a_thread_was_handed_to_it_passes_it_on(monkeypatch):
    pool, gate, served, first = await _one_thread_held()
    unlucky = asyncio.create_task(pool({**SCOPE, "name": "unlucky"}, never_called, no_send))
    after = asyncio.create_task(pool({**SCOPE, "name": "after"}, never_called, no_send))
    await asyncio.sleep(0.01)

    give_back = pool._give_back
    cancelled = []

    def give_back_then_cancel(worker):
        give_back(worker)
        if not cancelled:  # the thread is `unlucky`'s now, but it has not resumed yet
            cancelled.append(unlucky.cancel())

    monkeypatch.setattr(pool, "_give_back", give_back_then_cancel)
    gate.set()
    await asyncio.wait_for(first, timeout=5)
    with pytest.raises(asyncio.CancelledError):
        await unlucky
    await asyncio.wait_for(after, timeout=5)

    assert cancelled == [True]
    assert served == [None, "after"]


async def test_an_exception_in_the_app_gives_the_thread_back():
    def fails():
        raise RuntimeError("the view failed")

    pool = HTTPThreadPool(django_like(fails), threads=1)
    with pytest.raises(RuntimeError, match="the view failed"):
        await request(pool)

    seen = []
    pool.app = django_like(lambda: seen.append(threading.current_thread()))
    await request(pool)

    assert len(seen) == 1


@pytest.mark.parametrize("threads", [0, -1, 1.5, "4", True])
def test_a_pool_needs_a_whole_number_of_threads(threads):
    with pytest.raises(ValueError, match="whole number of threads >= 1"):
        HTTPThreadPool(django_like(lambda: None), threads=threads)


# --- the site ---------------------------------------------------------------------------------
def test_the_site_serves_http_through_the_pool(settings):
    from config.asgi import application

    http = application.application_mapping["http"]

    assert isinstance(http, HTTPThreadPool)
    assert len(http.workers) == settings.HTTP_THREADS == 4


def test_http_threads_sets_the_number_of_threads(tmp_path):
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from config.asgi import application; "
        "print(len(application.application_mapping['http'].workers))",
        DEBUG="1",
        VAR_DIR=str(tmp_path),
        HTTP_THREADS="7",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "7"


@pytest.mark.parametrize("value", ["0", "four"])
def test_the_server_refuses_a_bad_http_threads(tmp_path, value):
    result = _manage("check", DEBUG="1", VAR_DIR=str(tmp_path), HTTP_THREADS=value)

    assert result.returncode != 0
    assert f"HTTP_THREADS must be a whole number >= 1, not '{value}'" in result.stderr


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_consecutive_pages_reuse_one_database_connection():
    from config.asgi import application

    http = application.application_mapping["http"]
    # Start from no connection in any of the pool's threads (another test may have left one).
    for worker in http.workers:
        await asyncio.wrap_future(worker.submit(connections.close_all))
    opened = []

    def record(sender, connection, **kwargs):
        opened.append((threading.current_thread(), id(connection)))

    connection_created.connect(record)
    try:
        for _ in range(3):
            page = HttpCommunicator(application, "GET", "/", headers=[(b"host", b"localhost")])
            response = await page.get_response(timeout=10)
            await page.wait(timeout=10)  # request_finished (close_old_connections) has run
            assert response["status"] == 200
    finally:
        connection_created.disconnect(record)
        for worker in http.workers:
            await asyncio.wrap_future(worker.submit(connections.close_all))

    assert len(opened) == 1
    assert opened[0][0].name.startswith("http-")


async def test_paths_outside_the_pool_answer_while_every_thread_is_held():
    # The health probe during a database outage: every pooled thread waits on the database.
    gate = asyncio.Event()
    served = []

    async def app(scope, receive, send):
        if scope.get("first"):
            await gate.wait()
        served.append(scope["path"])

    pool = HTTPThreadPool(app, threads=1, outside=("/healthz",))
    first = asyncio.create_task(pool({**SCOPE, "first": True}, never_called, no_send))
    await asyncio.sleep(0.01)
    queued = asyncio.create_task(pool({**SCOPE, "path": "/events/"}, never_called, no_send))

    await asyncio.wait_for(pool({**SCOPE, "path": "/healthz"}, never_called, no_send), timeout=5)

    assert served == ["/healthz"]  # the page request still waits for the held thread
    gate.set()
    await asyncio.wait_for(asyncio.gather(first, queued), timeout=5)
    assert served == ["/healthz", "/", "/events/"]


# --- the handler: one crossing onto the request's thread ------------------------------------
async def _count_hand_overs(application, path: str, monkeypatch) -> tuple[int, int]:
    """(status, times work crossed between the event loop and a thread) for one GET."""
    import asgiref.sync

    crossings = []
    for crossing in (asgiref.sync.SyncToAsync, asgiref.sync.AsyncToSync):
        original = crossing.__call__

        def counted(self, *args, _original=original, **kwargs):
            crossings.append(type(self).__name__)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(crossing, "__call__", counted)
    page = HttpCommunicator(application, "GET", path, headers=[(b"host", b"localhost")])
    response = await page.get_response(timeout=10)
    await page.wait(timeout=10)
    return response["status"], len(crossings)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(("path", "status"), [("/", 200), ("/no-such-page/", 404)])
async def test_a_page_crosses_onto_its_thread_once_for_the_whole_middleware_chain(
    path, status, monkeypatch
):
    # Loaded for async, the chain crossed between the loop and the thread around every
    # middleware that is only synchronous and for each process_request/process_response of the
    # others (over a dozen crossings a page); now: request_started, the chain with the view, and
    # request_finished. The 404 shows an exception inside the chain still becomes its page.
    from config.asgi import application

    answered, crossings = await _count_hand_overs(application, path, monkeypatch)

    assert answered == status
    assert crossings == 3
