"""`dosekeeper med ...`: medications and their schedules."""

from __future__ import annotations

import re

import click

from skill.cli.common import (
    OPERATOR,
    echo_json,
    fail,
    friendly_errors,
    now,
    parse_day,
    resolve_recipient,
    store_from_context,
)
from skill.domain.models import Medication, Schedule, new_id, parse_hhmm, parse_weekdays
from skill.usecases.care_plan import add_medication, stop_medication


def parse_interval(text: str) -> int:
    """'4h', '90m', '1h30m' -> minutes."""
    match = re.fullmatch(r"\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*", text.lower())
    if not text.strip() or not match or not (match.group(1) or match.group(2)):
        fail(f"invalid interval {text!r}: use a form like 4h, 90m or 1h30m")
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def medication_json(m: Medication) -> dict[str, object]:
    return {"id": m.id, "name": m.name, "also_called": list(m.also_called), "dose": m.dose_text,
            "instructions": m.instructions,
            "active": m.active, "pill_count": m.pill_count, "refill_threshold": m.refill_threshold,
            "schedule": m.schedule.to_dict()}


@click.group()
def med() -> None:
    """Add, list and stop medications."""


@med.command("add")
@click.argument("recipient_id")
@click.option("--name", required=True)
@click.option("--dose", "dose_text", default="", help='e.g. "500 mg"')
@click.option("--instructions", default="", help='e.g. "with food"')
@click.option("--also-called", "also_called", multiple=True,
              help='What the person calls it, e.g. "heart pill" (repeatable); Alexa hears it as this medicine.')
@click.option("--at", "times", multiple=True, help="Local time HH:MM; repeat for several.")
@click.option("--days", default=None, help="Weekdays, e.g. mon,wed,fri.")
@click.option("--every-n-days", type=int, default=1, show_default=True)
@click.option("--start", default=None, help="YYYY-MM-DD (default: today in their zone).")
@click.option("--end", default=None, help="YYYY-MM-DD, for a course.")
@click.option("--as-needed", is_flag=True)
@click.option("--min-interval", default=None, help="As-needed: e.g. 4h.")
@click.option("--max-per-day", type=int, default=None, help="As-needed: most doses in a day.")
@click.option("--pills", "pill_count", type=int, default=None, help="Pills in the pack, to warn before running out.")
@click.option("--refill-at", "refill_threshold", type=int, default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def add(ctx: click.Context, recipient_id: str, name: str, dose_text: str, instructions: str,
        also_called: tuple[str, ...], times: tuple[str, ...], days: str | None, every_n_days: int,
        start: str | None, end: str | None,
        as_needed: bool, min_interval: str | None, max_per_day: int | None, pill_count: int | None,
        refill_threshold: int | None, as_json: bool) -> None:
    """Add a medication with its schedule."""
    # Everything is validated before the store is touched, so bad input leaves it unchanged.
    parsed_times = tuple(parse_hhmm(t) for t in times)
    weekdays = parse_weekdays(days) if days else None
    start_day = parse_day(start) if start else None
    end_day = parse_day(end) if end else None
    interval = parse_interval(min_interval) if min_interval else None
    store = store_from_context(ctx)
    person = resolve_recipient(store, recipient_id)
    today = now().astimezone(person.tz).date()
    schedule = Schedule(times=parsed_times, weekdays=weekdays, every_n_days=every_n_days,
                        start=start_day or today, end=end_day, as_needed=as_needed,
                        min_interval_minutes=interval, max_per_day=max_per_day)
    medication = Medication(id=new_id("med"), recipient_id=person.id, name=name, schedule=schedule,
                            dose_text=dose_text, instructions=instructions, pill_count=pill_count,
                            refill_threshold=refill_threshold, also_called=also_called)
    medication = add_medication(store, OPERATOR, now(), medication)
    if as_json:
        echo_json(medication_json(medication))
    else:
        click.echo(f"id: {medication.id}")


@med.command("list")
@click.argument("recipient_id")
@click.option("--all", "include_stopped", is_flag=True, help="Include stopped medications.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_(ctx: click.Context, recipient_id: str, include_stopped: bool, as_json: bool) -> None:
    """List a recipient's medications."""
    store = store_from_context(ctx)
    person = resolve_recipient(store, recipient_id)
    meds = store.list_medications(person.id, include_stopped=include_stopped)
    if as_json:
        echo_json([medication_json(m) for m in meds])
        return
    for m in meds:
        when = "as needed" if m.schedule.as_needed else ", ".join(t.strftime("%H:%M") for t in m.schedule.times)
        state = "" if m.active else "  (stopped)"
        click.echo(f"{m.id}  {m.name}  {m.dose_text}  {when}{state}")


@med.command("stop")
@click.argument("recipient_id")
@click.argument("medication")
@click.pass_context
@friendly_errors
def stop(ctx: click.Context, recipient_id: str, medication: str) -> None:
    """Stop a medication (by name or id); its history stays."""
    store = store_from_context(ctx)
    person = resolve_recipient(store, recipient_id)
    stopped = stop_medication(store, OPERATOR, now(), person.id, medication)
    click.echo(f"stopped: {stopped.id}")

