"""The care-home load test (bench/load_care_home.py) at a tiny size, so the bench cannot rot unnoticed.

Through the real edges: a `dosekeeper serve` process, carers signing in and refreshing Today, residents'
speakers posting Alexa envelopes, the sweeper running, all at once; then the SQLite file read back.
"""

from __future__ import annotations

from pathlib import Path

from bench.load_care_home import run_load


def test_a_small_care_home_under_load_gets_every_answer_and_loses_nothing(tmp_path: Path) -> None:
    # GIVEN 20 residents, 5 carers and 5 speakers, all at once against one served SQLite file
    # WHEN each carer refreshes Today 3 times and each speaker logs a dose and asks about it twice
    result = run_load(tmp_path, people=20, carers=5, speakers=5, refreshes=3, turns=3, deadline_s=90)

    # THEN every request was answered as a carer or resident expects (no error, no timeout)
    assert result.timings.errors == []
    assert len(result.timings.seconds["GET /today"]) == 5 * 3
    assert len(result.timings.seconds["POST /alexa log"]) == 5
    assert len(result.timings.seconds["POST /alexa check"]) == 5 * 2
    # AND the store holds exactly what was said and swept: each log once, each overdue dose missed or
    # logged, each miss with its carer's alert, no dose lost or doubled
    assert result.problems == []
