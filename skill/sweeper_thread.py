"""The sweep in the background of `dosekeeper serve`: once a minute, in a daemon thread, until stopped.

Waiting is done on an Event, so `stop()` ends the thread at once rather than after the current minute,
and tests can drive it with `run_once()` without any waiting at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime

from skill.notify.channel import Channel
from skill.observability import get_logger
from skill.store.base import Store
from skill.sweep import SweepReport, run_sweep

log = get_logger(__name__)

INTERVAL_SECONDS = 60.0


class Sweeper:
    def __init__(self, store: Store, channels: Mapping[str, Channel], *, interval: float = INTERVAL_SECONDS,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.channels = channels
        self.interval = interval
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_report: SweepReport | None = None
        self.failures = 0

    def run_once(self) -> SweepReport | None:
        """One sweep; an error is logged (without personal data) and the next minute tries again."""
        try:
            self.last_report = run_sweep(self.store, self.channels, self.clock() if self.clock else None)
        except Exception as exc:
            self.failures += 1
            log.error("sweep failed: %s", type(exc).__name__)
            return None
        return self.last_report

    def _loop(self) -> None:
        while True:  # sweep first, then wait: a started sweeper always sweeps at least once
            self.run_once()
            if self._stop.wait(self.interval):
                return

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="dosekeeper-sweeper", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def start_sweeper(store: Store, channels: Mapping[str, Channel] | None = None) -> Sweeper:
    """What `dosekeeper serve` calls: channels from the environment (SMTP, webhooks), started at once."""
    from skill.notify.factory import ChannelSettings, build_channels

    sweeper = Sweeper(store, channels if channels is not None else build_channels(ChannelSettings.from_env()))
    sweeper.start()
    return sweeper
