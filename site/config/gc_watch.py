"""Garbage collections long enough to stall live rooms, written to the log.

While the collector runs, nothing else in the process does: no socket is read or written. A full
collection walks every tracked object, and a server holding thousands of room connections holds
millions of them, so one collection can hold every room's deliveries for a noticeable time
(config/asgi.py makes full collections rarer; this says when one still hurts). Each collection
of `SLOW_SECONDS` or more becomes a WARNING on the "imh.gc" logger; faster ones cost two calls
and a clock read.
"""

import gc
import logging
import time

logger = logging.getLogger("imh.gc")

# Half the rooms' p99 delivery budget (100 ms): a collection this long shows in the tail.
SLOW_SECONDS = 0.05


class SlowCollectionLog:
    """A gc.callbacks entry. Collections never overlap (the interpreter runs one at a time), so
    one start time is enough, whichever thread set off the collection."""

    def __init__(self, slow_seconds: float = SLOW_SECONDS, clock=time.perf_counter) -> None:
        self.slow_seconds = slow_seconds
        self.clock = clock
        self._started: float | None = None

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = self.clock()
            return
        if self._started is None:  # installed during a collection
            return
        elapsed = self.clock() - self._started
        self._started = None
        if elapsed >= self.slow_seconds:
            logger.warning(
                "Garbage collection of generation %d took %.0f ms (%d unreachable objects freed).",
                info.get("generation", -1),
                elapsed * 1000,
                info.get("collected", 0),
            )


def watch_slow_collections() -> SlowCollectionLog:
    """Install the log once per process (again is a no-op); returns the installed callback."""
    for callback in gc.callbacks:
        if isinstance(callback, SlowCollectionLog):
            return callback
    callback = SlowCollectionLog()
    gc.callbacks.append(callback)
    return callback
