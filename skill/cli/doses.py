"""`dosekeeper doses` and `dosekeeper log`: a day's doses, and recording one taken or skipped."""

from __future__ import annotations

import click

from skill.cli.common import (
    OPERATOR,
    echo_json,
    fail,
    friendly_errors,
    now,
    parse_day,
    parse_instant,
    resolve_recipient,
    store_from_context,
)
from skill.domain.models import Dose
from skill.doses import merge_doses
from skill.schedules import day_window
from skill.usecases.care_plan import medication_of
from skill.usecases.dose_log import LogKind, Warning, log_medicine


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
    local_day = when or now().astimezone(person.tz).date()
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
@click.option("--count", type=int, default=None, help="Pills taken, when not the planned dose (as-needed).")
@click.option("--confirm", is_flag=True, help="Record a dose taken early, or a second as-needed dose.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def log(ctx: click.Context, recipient_id: str, medication_name: str, at_text: str | None, skip: bool,
        count: int | None, confirm: bool, as_json: bool) -> None:
    """Record a dose taken (or skipped); a dose is never recorded twice."""
    at = parse_instant(at_text) if at_text else None
    store = store_from_context(ctx)
    person = resolve_recipient(store, recipient_id)
    medication = medication_of(store, person, medication_name, include_stopped=False)
    result = log_medicine(store, OPERATOR, now(), person.id, medication.id, at=at, count=count, skip=skip,
                          confirm=confirm)
    tz = person.tz
    if result.kind is LogKind.ALREADY and result.already:
        last = result.already[0]
        when = f"{last.logged_at.astimezone(tz):%H:%M}" if last.logged_at else "earlier"
        fail(f"already {last.status.value.replace('_', ' ')} at {when} (dose due {last.scheduled_local:%H:%M})")
    if result.kind is LogKind.CONFIRM_EARLY:
        due = result.to_confirm[0].scheduled_local
        fail(f"{medication.name} is not due until {due:%Y-%m-%d %H:%M}; add --confirm to record it as taken early")
    if result.kind is LogKind.CONFIRM_EXTRA:
        earlier = result.previous_taken_at.astimezone(tz) if result.previous_taken_at else None
        fail(f"{medication.name} was recorded at {earlier:%H:%M}; add --confirm if this is another dose"
             if earlier else f"{medication.name} was just recorded; add --confirm if this is another dose")
    if not result.logged:
        fail(f"no dose of {medication.name} is due around "
             f"{(at or now()).astimezone(tz).replace(tzinfo=None).isoformat(timespec='minutes')}")
    done = result.logged[0]
    for warning in result.warnings:
        click.echo(f"warning: {WARNINGS[warning]}", err=True)
    for open_dose in result.earlier_open:
        click.echo(f"note: the {open_dose.scheduled_local:%H:%M} dose of {open_dose.medication_name} is not "
                   "recorded", err=True)
    if as_json:
        echo_json({**dose_json(done.dose), "pills_left": done.pills_left,
                   "warnings": [w.value for w in result.warnings],
                   "safety_event_id": result.safety.id if result.safety else None})
    else:
        click.echo(f"{done.dose.status.value}: {medication.name} due {done.dose.scheduled_local:%Y-%m-%d %H:%M}"
                   + (f" ({done.pills_left} pills left)" if done.pills_left is not None else ""))


WARNINGS = {
    Warning.EARLY: "recorded before it was due",
    Warning.TOO_SOON: "inside the minimum interval the carer set; the contacts were alerted",
    Warning.OVER_DAILY_MAX: "beyond the daily maximum the carer set; the contacts were alerted",
    Warning.MORE_THAN_PLANNED: "more than the planned dose; the contacts were alerted",
}
