"""The history heatmap: days by dose times, each cell a status, drawn as accessible SVG on the server.

Colour alone never carries the status: each status also has its own fill pattern and a one-letter mark,
every cell has a text title, and the whole figure has a title and a text description (WCAG 1.4.1, 1.1.1).
The palette is Okabe-Ito, which stays distinguishable under the common colour-vision deficiencies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape

from skill.domain.models import Dose, Medication, Recipient, utcnow
from skill.doses import merge_doses
from skill.reports.adherence import Outcome, classify, recording_starts, scheduled_only
from skill.schedules import day_window
from skill.store.core import CoreStore

MAX_DAYS = 366

# Worst first: a cell holding several doses shows the one a carer most needs to see.
SEVERITY = ("missed", "late", "skipped", "pending", "not_recorded", "taken")
_OUTCOME_STATUS = {Outcome.ON_TIME: "taken", Outcome.LATE: "late", Outcome.MISSED: "missed",
                   Outcome.SKIPPED: "skipped", Outcome.NOT_DUE: "pending", Outcome.NOT_RECORDED: "not_recorded"}


@dataclass(frozen=True)
class Style:
    label: str
    fill: str
    pattern: str | None
    mark: str


STYLES: dict[str, Style] = {
    "taken": Style("Taken on time", "#0072B2", None, ""),
    "late": Style("Taken late", "#E69F00", "stripes", "L"),
    "missed": Style("Missed", "#D55E00", "cross", "M"),
    "skipped": Style("Skipped", "#BBBBBB", "dots", "S"),
    "pending": Style("Not yet due", "#FFFFFF", None, "·"),
    "not_recorded": Style("Not recorded (before DoseKeeper)", "#F0F0F0", None, "?"),
}


@dataclass(frozen=True)
class HeatmapData:
    recipient_id: str
    days: tuple[date, ...]
    times: tuple[str, ...]  # local "HH:MM" rows
    cells: dict[tuple[date, str], str]  # (day, time) -> status in STYLES; absent = nothing scheduled

    def status(self, day: date, at: str) -> str | None:
        return self.cells.get((day, at))

    def totals(self) -> Counter[str]:
        return Counter(self.cells.values())


def cells_from_doses(recipient: Recipient, doses: list[Dose], days: tuple[date, ...], now: datetime,
                     medications: Sequence[Medication] = ()) -> HeatmapData:
    grouped: dict[tuple[date, str], list[str]] = {}
    starts = recording_starts(medications)
    for dose in doses:
        local = dose.scheduled_utc.astimezone(recipient.tz)
        key = (local.date(), local.strftime("%H:%M"))
        grouped.setdefault(key, []).append(_OUTCOME_STATUS[classify(dose, recipient.grace, now, starts)])
    cells = {key: min(statuses, key=SEVERITY.index) for key, statuses in grouped.items()}
    times = tuple(sorted({at for _, at in cells}))
    return HeatmapData(recipient_id=recipient.id, days=days, times=times, cells=cells)


def heatmap_cells(store: CoreStore, recipient: Recipient, start_day: date, end_day: date,
                  now: datetime | None = None) -> HeatmapData:
    """Local days start_day..end_day (inclusive): two store reads whatever the length."""
    if end_day < start_day:
        raise ValueError("the end day is before the start day")
    if (end_day - start_day).days >= MAX_DAYS:
        raise ValueError(f"a heatmap covers {MAX_DAYS} days at most")
    start = day_window(start_day, recipient.tz)[0]
    end = day_window(end_day, recipient.tz)[1]
    meds = store.list_medications(recipient.id, include_stopped=True)
    doses = scheduled_only(merge_doses(recipient, meds, store.list_doses(recipient.id, start, end), start, end),
                           meds)
    days = tuple(start_day + timedelta(days=i) for i in range((end_day - start_day).days + 1))
    return cells_from_doses(recipient, doses, days, now or utcnow(), meds)


CELL = 18
GAP = 2
LEFT = 56
TOP = 34
LEGEND_ROW = 22
LABEL_GAP = 3  # columns (of CELL + GAP) a "01 Nov" label needs before the next one


def _patterns(key: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{key}-stripes" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#E69F00"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="2" stroke-opacity="0.55"/></pattern>'
        f'<pattern id="{key}-cross" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="#D55E00"/>'
        '<path d="M0 0L6 6M6 0L0 6" stroke="#000" stroke-width="1.2" stroke-opacity="0.6"/></pattern>'
        f'<pattern id="{key}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        '<rect width="5" height="5" fill="#BBBBBB"/><circle cx="2.5" cy="2.5" r="1.1" fill="#000"/></pattern>'
        "</defs>"
    )


def _fill(style: Style, key: str) -> str:
    return f"url(#{key}-{style.pattern})" if style.pattern else style.fill


def _cell(x: int, y: int, status: str, label: str, key: str) -> str:
    style = STYLES[status]
    mark = (f'<text x="{x + CELL / 2}" y="{y + CELL - 4}" font-size="12" text-anchor="middle" '
            f'fill="#000" aria-hidden="true">{style.mark}</text>') if style.mark else ""
    return (f'<g><title>{escape(label)}: {escape(style.label)}</title>'
            f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2" fill="{_fill(style, key)}" '
            f'stroke="#333" stroke-width="0.6"/>{mark}</g>')


def describe(data: HeatmapData) -> str:
    totals = data.totals()
    if not data.days:
        return "No days in range."
    parts = [f"{totals.get(s, 0)} {STYLES[s].label.lower()}" for s in SEVERITY]
    return (f"Doses from {data.days[0].isoformat()} to {data.days[-1].isoformat()}: " + ", ".join(parts) + ".")


def label_columns(days: tuple[date, ...]) -> list[int]:
    """Columns that get a date above them: the first day, each 1st of a month and each Monday, but never
    within LABEL_GAP columns of the last label ("01 Nov" is wider than a column, so a Monday the 2nd
    would be drawn on top of it)."""
    columns: list[int] = []
    for col, day in enumerate(days):
        wanted = col == 0 or day.day == 1 or day.weekday() == 0
        if wanted and (not columns or col - columns[-1] >= LABEL_GAP):
            columns.append(col)
    return columns


def render_heatmap_svg(data: HeatmapData, title: str = "Dose history", key: str = "hm") -> str:
    """SVG with role="img", <title>/<desc>, per-cell titles and a legend; scales with its viewBox.

    `key` prefixes the element ids, so two heatmaps on one page do not share ids.
    """
    rows = max(len(data.times), 1)
    width = LEFT + len(data.days) * (CELL + GAP) + 10
    legend_y = TOP + rows * (CELL + GAP) + 12
    height = legend_y + LEGEND_ROW + 8
    width = max(width, 5 * 120 + LEFT)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{key}-title {key}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif">',
        f'<title id="{key}-title">{escape(title)}</title>',
        f'<desc id="{key}-desc">{escape(describe(data))}</desc>',
        _patterns(key),
    ]
    for col in label_columns(data.days):
        x = LEFT + col * (CELL + GAP)
        out.append(f'<text x="{x}" y="{TOP - 8}" font-size="12" fill="#000">{data.days[col].strftime("%d %b")}</text>')
    for row, at in enumerate(data.times):
        y = TOP + row * (CELL + GAP)
        out.append(f'<text x="{LEFT - 6}" y="{y + CELL - 4}" font-size="12" text-anchor="end" fill="#000">'
                   f"{escape(at)}</text>")
        for col, day in enumerate(data.days):
            status = data.status(day, at)
            if status is not None:
                out.append(_cell(LEFT + col * (CELL + GAP), y, status, f"{day.isoformat()} {at}", key))
    x = LEFT
    for status in ("taken", "late", "missed", "skipped", "pending"):  # "not recorded" is named in the table
        style = STYLES[status]
        out.append(f'<rect x="{x}" y="{legend_y}" width="{CELL}" height="{CELL}" rx="2" fill="{_fill(style, key)}" '
                   f'stroke="#333" stroke-width="0.6"/>')
        if style.mark:
            out.append(f'<text x="{x + CELL / 2}" y="{legend_y + CELL - 4}" font-size="12" text-anchor="middle" '
                       f'fill="#000" aria-hidden="true">{style.mark}</text>')
        out.append(f'<text x="{x + CELL + 5}" y="{legend_y + CELL - 4}" font-size="12" fill="#000">'
                   f"{escape(style.label)}</text>")
        x += 120
    out.append("</svg>")
    return "".join(out)
