"""Run a whole Python process with its wall clock N days ahead, to find tests that only pass today.

`scripts/check` puts this folder on PYTHONPATH with DOSEKEEPER_CLOCK_AHEAD_DAYS=365, so Python imports this
module at start-up in pytest, its xdist workers, and every CLI or server subprocess a test starts (they inherit
the environment). A test that mixes a fixed date with the real clock, or that relies on a product default
such as "schedules start today", then fails here rather than on some day next year.

time-machine moves time.time(), datetime.now(), date.today() and friends, ticking from the new start; it
leaves time.monotonic() and thread waits alone (libfaketime does not, and hangs them). Programs that are not
Python (dynalite, DynamoDB Local, chromium) keep the real clock. Without the variable this module does nothing.
"""

from __future__ import annotations

import os

_days = os.environ.get("DOSEKEEPER_CLOCK_AHEAD_DAYS", "").strip()
if _days:
    import datetime as _dt

    import time_machine

    traveller = time_machine.travel(_dt.datetime.now(_dt.UTC) + _dt.timedelta(days=int(_days)), tick=True)
    traveller.start()  # tests/conftest.py checks this ran when the variable is set
