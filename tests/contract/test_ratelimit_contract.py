"""The rate-limit counters contract: fixed windows, expiry and atomic counting, alike on every store."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from skill.store.base import Store

NOW = datetime.now(UTC).replace(microsecond=0)
MINUTE = timedelta(minutes=1)


def test_hits_count_within_a_window_that_ends_a_fixed_time_after_the_first(store: Store) -> None:
    # GIVEN three hits, the last two later in the window
    first = store.rate_hit("signin:abc", MINUTE, NOW)
    second = store.rate_hit("signin:abc", MINUTE, NOW + timedelta(seconds=20))
    third = store.rate_hit("signin:abc", MINUTE, NOW + timedelta(seconds=59), amount=3)
    # THEN they add up, and the window still ends a minute after the first hit
    assert (first.count, second.count, third.count) == (1, 2, 5)
    assert first.ends_at == second.ends_at == third.ends_at == NOW + MINUTE
    peeked = store.rate_peek("signin:abc", NOW + timedelta(seconds=59))
    assert peeked is not None and peeked.count == 5
    # AND other keys are counted apart
    assert store.rate_hit("signin:other", MINUTE, NOW).count == 1


def test_a_hit_after_the_window_ends_opens_a_new_one(store: Store) -> None:
    store.rate_hit("k", MINUTE, NOW, amount=7)
    assert store.rate_peek("k", NOW + MINUTE) is None  # ended: reads as absent before any cleanup
    again = store.rate_hit("k", timedelta(minutes=5), NOW + MINUTE)
    assert again.count == 1 and again.ends_at == NOW + MINUTE + timedelta(minutes=5)


def test_clear_forgets_a_counter_and_unknown_keys_read_as_absent(store: Store) -> None:
    store.rate_hit("k", MINUTE, NOW)
    store.rate_clear("k")
    store.rate_clear("never-seen")
    assert store.rate_peek("k", NOW) is None
    assert store.rate_hit("k", MINUTE, NOW).count == 1


def test_hits_from_many_threads_are_all_counted(concurrent_store: Store) -> None:
    store = concurrent_store  # a race means something only where writes are serialised (tests/conftest.py)
    # GIVEN four workers hitting one key ten times each at once (web threads, or containers)
    def work() -> None:
        for _ in range(10):
            store.rate_hit("busy", MINUTE, NOW)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # THEN not one hit is lost
    window = store.rate_peek("busy", NOW)
    assert window is not None and window.count == 40
