"""Garbage collections long enough to stall live rooms are logged (config/gc_watch.py)."""

import gc
import logging

from config.gc_watch import SlowCollectionLog, watch_slow_collections


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_collection_at_or_over_the_limit_is_a_warning_with_its_generation_and_length(caplog):
    clock = Clock()
    watch = SlowCollectionLog(slow_seconds=0.05, clock=clock)

    with caplog.at_level(logging.WARNING, logger="imh.gc"):
        watch("start", {"generation": 2})
        clock.now += 0.684
        watch("stop", {"generation": 2, "collected": 12})

    assert [record.getMessage() for record in caplog.records] == [
        "Garbage collection of generation 2 took 684 ms (12 unreachable objects freed)."
    ]
    assert caplog.records[0].levelno == logging.WARNING


def test_faster_collections_and_a_stop_without_its_start_say_nothing(caplog):
    clock = Clock()
    watch = SlowCollectionLog(slow_seconds=0.05, clock=clock)

    with caplog.at_level(logging.DEBUG, logger="imh.gc"):
        watch("stop", {"generation": 2, "collected": 0})  # installed mid-collection
        watch("start", {"generation": 0})
        clock.now += 0.049
        watch("stop", {"generation": 0, "collected": 0})

    assert caplog.records == []


def test_a_real_collection_reaches_the_callback(caplog):
    watch = SlowCollectionLog(slow_seconds=0.0)  # every collection counts as slow
    gc.callbacks.append(watch)
    try:
        with caplog.at_level(logging.WARNING, logger="imh.gc"):
            gc.collect(0)
    finally:
        gc.callbacks.remove(watch)

    assert any("generation 0" in record.getMessage() for record in caplog.records)


def test_the_server_installs_the_log_once():
    import config.asgi  # noqa: F401 - installs it at import

    installed = [callback for callback in gc.callbacks if isinstance(callback, SlowCollectionLog)]
    again = watch_slow_collections()

    assert len(installed) == 1
    assert again is installed[0]
    assert [c for c in gc.callbacks if isinstance(c, SlowCollectionLog)] == installed
