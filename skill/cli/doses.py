"""`dosekeeper doses` and `dosekeeper log`: a day's doses, and recording one taken or skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from skill.cli.common import (
    echo_json,
    fail,
    friendly_errors,
    parse_day,
    parse_instant,
    resolve_recipient,
    store_from_context,
)
from skill.domain.models import Dose, LogSource
from skill.doses import choose_dose_to_log, find_medication, log_dose, merge_doses
from skill.schedules import day_window


def dose_json(d: Dose) -> dict[str, object]:
    return {
        "dose_id": d.id,
        "medication": d.medication_name,
        "scheduled_at": d.scheduled_local.isoformat(),
        "scheduled_utc": d.scheduled_utc.isoformat(),
        "status": d.status.value,
        "logged_at": d.logged_at.isoformat() if d.logged_at else None,
        "source": d.source.value if d.source else None,
    }


@click.command("doses")
@click.argument("recipient_id")
@click.option("--date", "day", default=None, help="YYYY-MM-DD in the recipient's zone (default: today).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def doses(ctx: click.Context, recipient_id: str, day: str | None, as_json: bool) -> None:
    """A day's doses with their status."""
    when = parse_day(day) if day else None
    store = store_from_context(ctx)
    person = resolve_recipient(store, recipient_id)
    local_day = when or datetime.now(person.tz).date()
    start, end = day_window(local_day, person.tz)
    meds = store.list_medications(person.id, include_stopped=True)
    found = merge_doses(person, meds, store.list_doses(person.id, start, end), start, end)
    if as_json:
        echo_json([dose_json(d) for d in found])
        return
    if not found:
        click.echo(f"No doses on {local_day}.")
    for d in found:
        logged = f"  logged {d.logged_at.astimezone(person.tz):%H:%M} ({d.source})" if d.logged_at else ""
        click.echo(f"{d.scheduled_local:%H:%M}  {d.medication_name:<20} {d.status.value}{logged}")


@click.command("log")
@click.argument("recipient_id")
@click.option("--medication", "medication_name", required=True, help="Name (any case).")
@click.option("--at", "at_text", default=None, help="When it was taken, ISO 8601 (default: now).")
@click.option("--skip", is_flag=True, help="Record the dose as skipped.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def log(ctx: click.Context, recipient_id: str, medication_name: str, at_text: str | None, skip: bool,
        as_json: bool) -> None:
    """Record a dose taken (or skipped); a dose is never recorded twice."""
    at = parse_instant(at_text) if at_text else datetime.now(UTC)
    store = store_from_context(ctx)
    person = resolve_recipient(store, recipient_id)
    meds = store.list_medications(person.id)
    medication = find_medication(meds, medication_name)
    local_day = at.astimezone(person.tz).date()
    start, _ = day_window(local_day, person.tz)
    _, end = day_window(local_day + timedelta(days=1), person.tz)
    day_doses = merge_doses(person, meds, store.list_doses(person.id, start, end), start, end)
    target = choose_dose_to_log(person, medication, day_doses, at)
    if target.dose is None:
        last = target.last_logged
        if target.reason == "already_logged" and last and last.logged_at:
            fail(f"already {last.status.value.replace('_', ' ')} at "
                 f"{last.logged_at.astimezone(person.tz):%H:%M} (dose due {last.scheduled_local:%H:%M})")
        if target.reason.startswith("as_needed") and target.next_allowed_at:
            fail(f"too soon for {medication.name}: allowed again at "
                 f"{target.next_allowed_at.astimezone(person.tz):%Y-%m-%d %H:%M}")
        fail(f"no dose of {medication.name} is due around "
             f"{at.astimezone(person.tz).replace(tzinfo=None).isoformat(timespec='minutes')}")
    outcome = log_dose(store, person, medication, target.dose, at, LogSource.CLI, skip=skip)
    if not outcome.applied:
        previous = outcome.dose.logged_at
        fail(f"already logged at {previous.astimezone(person.tz):%H:%M}" if previous else "already logged")
    if as_json:
        echo_json({**dose_json(outcome.dose), "pills_left": outcome.pills_left})
    else:
        click.echo(f"{outcome.dose.status.value}: {medication.name} due "
                   f"{outcome.dose.scheduled_local:%Y-%m-%d %H:%M}"
                   + (f" ({outcome.pills_left} pills left)" if outcome.pills_left is not None else ""))



