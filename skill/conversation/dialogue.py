"""What DoseKeeper says to each thing a person says: the one dialogue every voice front drives.

Rules that keep a person safe live in the use-case layer (which dose is meant, limits, safety moments); this
module only chooses the words and the next question. Answers stay short, say each medicine once, group doses by
time, and end with a question whenever the microphone stays open. A question about doses names them, so a
"yes" records exactly those.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta

from skill.conversation.answer import Answer
from skill.conversation.medicines import Resolution, by_name, resolve
from skill.conversation.questions import Ask, Question
from skill.conversation.speech import dose_words, first_few, minutes_words, spoken_list
from skill.conversation.talk import Talk
from skill.conversation.utterance import Utterance
from skill.conversation.words import (
    grouped,
    medicine_with_dose,
    names,
    o_clock,
    options,
    part_of_day,
    said_names,
    slot_word,
)
from skill.domain.events import EventKind
from skill.domain.models import Dose, DoseStatus, Medication
from skill.domain.times_of_day import TimeOfDay
from skill.doses import due_now, medicine_status, next_open_dose
from skill.schedules import day_window
from skill.usecases import dose_log, undo
from skill.usecases.dose_log import LogKind, LogResult, Warning
from skill.usecases.safety import report_safety

SAFETY_INTENTS = {
    "TookTooMuchIntent": EventKind.DOUBLE_DOSE,
    "WrongMedicineIntent": EventKind.WRONG_MEDICINE,
    "DroppedDoseIntent": EventKind.DROPPED_DOSE,
    "FeelingUnwellIntent": EventKind.FEELING_UNWELL,
}
NEAR_HORIZON = timedelta(days=1)  # what is due, and the next dose of almost every schedule
FAR_HORIZON = timedelta(days=8)  # the next dose of a weekly or every-few-days medicine


def ask(talk: Talk, text: str, question: Question | None = None, reprompt_key: str = "what_next",
        elicit: str | None = None, reprompt: str | None = None) -> Answer:
    """The microphone stays open: the answer ends with a question, and the reprompt asks it again."""
    reprompt = reprompt or talk.say(reprompt_key)
    if not text.rstrip().endswith("?"):
        text = f"{text} {reprompt}"
    return Answer(text=text, reprompt=reprompt, question=question, elicit=elicit)


def done(text: str) -> Answer:
    return Answer(text=text)


# -- what is due, what comes next -----------------------------------------------------------------------------
def scheduled_today_and_next(talk: Talk, horizon: timedelta = NEAR_HORIZON) -> list[Dose]:
    """Expanding schedules is most of a turn's CPU, so a week ahead is expanded only when a day finds nothing."""
    start = talk.now - timedelta(hours=16)
    end = talk.now + horizon
    as_needed = {m.id for m in talk.view.medications if m.schedule.as_needed}
    return [d for d in talk.doses(start, end) if d.medication_id not in as_needed]


def next_sentence(talk: Talk, medication_id: str | None = None) -> str:
    doses = scheduled_today_and_next(talk)
    first = next_open_dose(doses, talk.now, medication_id)
    if first is None:
        doses = scheduled_today_and_next(talk, FAR_HORIZON)
        first = next_open_dose(doses, talk.now, medication_id)
    if first is None:
        return talk.say("next.none")
    group = [d for d in doses if d.scheduled_utc == first.scheduled_utc and not d.is_logged
             and (medication_id is None or d.medication_id == medication_id)]
    if len(group) == 1:
        return talk.say("next.one", name=medicine_with_dose(talk, first), when=talk.when(first.scheduled_utc))
    return talk.say("next.many", names=said_names(group), when=talk.when(first.scheduled_utc))


def check_in(talk: Talk, due: Sequence[Dose]) -> Answer:
    """ "It's time for your 8 o'clock medicines: Metformin and Ramipril. Have you taken them?" """
    first = due[0]
    label = o_clock(talk, first.scheduled_local)
    recent = talk.now - first.scheduled_utc < timedelta(minutes=15)
    if len(due) == 1:
        key = "checkin.one_now" if recent else "checkin.one_overdue"
        text = talk.say(key, name=medicine_with_dose(talk, first), when=talk.when(first.scheduled_utc))
    else:
        text = talk.say("checkin.many", label=label, names=said_names(due))
    return ask(talk, text, Question(Ask.TAKEN, tuple(d.id for d in due)), reprompt_key="checkin.reprompt")


def greeting(talk: Talk, opening: str) -> Answer:
    """The linked person's greeting: what is due now becomes a check-in; otherwise what comes next."""
    scheduled = scheduled_today_and_next(talk)
    due = due_now(scheduled, talk.now)
    if due:
        answer = check_in(talk, due)
        return Answer(text=f"{opening} {answer.text}", reprompt=answer.reprompt, question=answer.question)
    return ask(talk, f"{opening} {next_sentence(talk)}")


def what_is_due(talk: Talk, utterance: Utterance | None = None) -> Answer:
    """ "What do I take now?", "is it time for my heart pill?": a check-in for what is due, else what is next."""
    found = resolve(utterance.slot("medication"), talk.medications) if utterance is not None else Resolution(
        generic=True)
    if not found.generic and found.medication is None:
        return which(talk, found, "next")
    due = due_now(scheduled_today_and_next(talk), talk.now)
    if found.medication is not None:
        due = [d for d in due if d.medication_id == found.medication.id]
        if not due:
            return done(next_sentence(talk, found.medication.id))
    if due:
        return check_in(talk, due)
    return done(f"{talk.say('due.nothing')} {next_sentence(talk)}")


def next_dose(talk: Talk, utterance: Utterance) -> Answer:
    found = resolve(utterance.slot("medication"), talk.medications)
    if found.medication is not None:
        if found.medication.schedule.as_needed:
            return done(talk.say("next.as_needed", name=found.medication.name))
        return done(next_sentence(talk, found.medication.id))
    if not found.generic:
        return which(talk, found, "next")
    return done(next_sentence(talk))


# -- logging ---------------------------------------------------------------------------------------------------
def taken_at(talk: Talk, utterance: Utterance) -> datetime | None:
    """ "I took it at seven" (the latest seven o'clock that has passed), "an hour ago"."""
    ago = duration_seconds(utterance.heard("takenAgo"))
    if ago is not None and 0 < ago <= 24 * 3600:
        return talk.now - timedelta(seconds=ago)
    said = spoken_time(utterance.heard("takenAt"))
    if said is None:
        return None
    local = talk.local_now
    hours = [said.hour] if said.hour >= 12 or said.hour == 0 else [said.hour, said.hour + 12]
    candidates = []
    for day in (0, -1):
        for hour in hours:
            at = local.replace(hour=hour, minute=said.minute, second=0, microsecond=0) + timedelta(days=day)
            if at <= local + timedelta(minutes=5):
                candidates.append(at)
    return max(candidates) if candidates else None


def time_of_day(utterance: Utterance) -> tuple[TimeOfDay | None, bool]:
    """The slot named ("morning", "tonight", "last night") and whether yesterday's was meant."""
    value = utterance.slot("timeOfDay")
    for ident in value.ids:
        try:
            slot = TimeOfDay(ident)
        except ValueError:
            continue
        heard = (value.heard or "").casefold()
        return slot, "last" in heard or "yesterday" in heard
    return None, False


def log(talk: Talk, utterance: Utterance, skip: bool = False) -> Answer:
    """ "I took my metformin", "I've had my morning tablets", "my 8 o'clock ones", "I took it at seven"."""
    at = taken_at(talk, utterance)
    count = utterance.number("count")
    found = resolve(utterance.slot("medication"), talk.medications)
    if found.medication is not None:
        return log_medicine(talk, found.medication, count=count, at=at, skip=skip)
    if not found.generic:
        return which(talk, found, "skip" if skip else "log", count)
    slot, yesterday = time_of_day(utterance)
    clock = spoken_time(utterance.heard("doseTime"))
    if slot is None and clock is None and utterance.heard("timeOfDay"):
        return ask(talk, talk.say("log.which_time"), elicit="medication")  # an unknown time of day: never guess
    result = dose_log.log_time_of_day(talk.store, talk.actor, talk.now, talk.recipient.id, slot=slot,
                                      clock_time=clock, yesterday=yesterday, at=at, skip=skip, view=talk.view,
                                      covered_from=talk.covered_from)
    if result.kind is LogKind.NO_SUCH_TIME:
        named = slot_word(talk, slot) if slot is not None else o_clock(talk, talk.local_now.replace(
            hour=clock.hour, minute=clock.minute)) if clock is not None else ""
        return ask(talk, talk.say("log.no_such_time", label=named), elicit="medication")
    return said_log(talk, result, skip, everything=slot is None and clock is None)


def log_medicine(talk: Talk, medication: Medication, *, count: int | None = None, at: datetime | None = None,
                 skip: bool = False, confirm: bool = False) -> Answer:
    result = dose_log.log_medicine(talk.store, talk.actor, talk.now, talk.recipient.id, medication.id, at=at,
                                   count=count, skip=skip, confirm=confirm, view=talk.view,
                                   covered_from=talk.covered_from)
    return said_log(talk, result, skip)


def log_doses(talk: Talk, dose_ids: Sequence[str]) -> Answer:
    result = dose_log.log_doses(talk.store, talk.actor, talk.now, talk.recipient.id, dose_ids, view=talk.view,
                                covered_from=talk.covered_from)
    return said_log(talk, result)


def signpost(talk: Talk) -> str:
    return talk.say("safety.signpost")


def limit_words(talk: Talk, result: LogResult) -> str:
    med = result.logged[0].medication
    schedule = med.schedule
    if Warning.TOO_SOON in result.warnings and schedule.min_interval_minutes:
        return talk.say("limit.interval", gap=minutes_words(timedelta(minutes=schedule.min_interval_minutes)))
    if Warning.OVER_DAILY_MAX in result.warnings and schedule.max_per_day:
        return talk.say("limit.daily", most=schedule.max_per_day)
    return talk.say("limit.plan")


def said_log(talk: Talk, result: LogResult, skip: bool = False, everything: bool = False) -> Answer:
    """What a log did, and the one question that follows when an earlier dose is still open."""
    if result.logged:
        talk.remember([item.dose for item in result.logged])
    logged_doses = [item.dose for item in result.logged]
    if result.kind is LogKind.LOGGED:
        if skip:
            text = talk.say("log.skipped", names=said_names(logged_doses))
        elif result.safety is not None:
            text = " ".join([talk.say("log.noted_plain", names=said_names(logged_doses)), limit_words(talk, result),
                             talk.say("safety.told_carer"), signpost(talk)])
        elif Warning.EARLY in result.warnings:
            text = talk.say("log.noted_early", names=said_names(logged_doses))
        else:
            text = talk.say("log.noted", names=said_names(logged_doses))
        for item in result.logged:
            left, threshold = item.pills_left, item.medication.refill_threshold
            if left is not None and threshold is not None and left <= threshold:
                text += " " + talk.say("log.refill", left=left, name=item.medication.name)
        return earlier_or_done(talk, text, result.earlier_open)
    if result.kind is LogKind.CONFIRM_EARLY:
        doses = list(result.to_confirm)
        key = "early.one" if len(names(doses)) == 1 else "early.many"
        text = talk.say(key, names=said_names(doses), when=talk.when(doses[0].scheduled_utc))
        return ask(talk, text, Question(Ask.EARLY, tuple(d.id for d in doses)), reprompt_key="early.reprompt")
    if result.kind is LogKind.CONFIRM_EXTRA and result.already:
        first = result.already[0]
        text = talk.say("extra.ask", name=first.medication_name,
                        when=talk.when(first.logged_at or first.scheduled_utc))
        return ask(talk, text, Question(Ask.EXTRA, (first.medication_id,)), reprompt_key="extra.reprompt")
    if everything and result.kind in (LogKind.ALREADY, LogKind.NOTHING_DUE):
        lead = talk.say("log.all_taken") if result.already else talk.say("due.nothing")
        return done(f"{lead} {next_sentence(talk)}")
    if result.already:
        last = result.already[0]
        at = talk.when(last.logged_at or last.scheduled_utc)
        key = "already.skipped" if last.status is DoseStatus.SKIPPED else "already.taken"
        return earlier_or_done(talk, talk.say(key, name=last.medication_name, when=at), result.earlier_open)
    return done(f"{talk.say('log.nothing_due')} {next_sentence(talk)}")


def earlier_or_done(talk: Talk, text: str, earlier: Sequence[Dose]) -> Answer:
    """An earlier dose still open is asked about by its time, never taken silently."""
    if not earlier:
        return done(text)
    question = talk.say("earlier.ask", which=part_of_day(talk, earlier[0]), names=said_names(earlier))
    return ask(talk, f"{text} {question}", Question(Ask.EARLIER, tuple(d.id for d in earlier)),
               reprompt_key="earlier.reprompt")


# -- checking --------------------------------------------------------------------------------------------------
def check(talk: Talk, utterance: Utterance) -> Answer:
    """ "Did I take my heart pill?", "did I take my morning tablets?", "did I take my pills today?": never a log."""
    found = resolve(utterance.slot("medication"), talk.medications)
    if found.medication is not None:
        return check_medicine(talk, found.medication)
    if not found.generic:
        return which(talk, found, "check")
    slot, _ = time_of_day(utterance)
    if slot is not None:
        return check_time_of_day(talk, slot)
    return check_today(talk)


def check_medicine(talk: Talk, medication: Medication) -> Answer:
    day_start, _ = day_window(talk.local_now.date(), talk.recipient.tz)
    status = medicine_status(medication, talk.doses(talk.now - timedelta(hours=26), talk.now + timedelta(days=1)),
                             talk.now, day_start)
    name = medication.name
    if medication.schedule.as_needed:
        if not status.taken:
            return done(talk.say("check.as_needed_none", name=name))
        recent = status.taken[0]
        return done(talk.say("check.as_needed_some", name=name, times=times_words(talk, len(status.taken)),
                             when=talk.when(recent.logged_at or recent.scheduled_utc)))
    latest = status.latest_due
    if latest is None:
        upcoming = status.next_open
        if upcoming is None:
            return done(talk.say("check.none_today", name=name))
        return done(talk.say("check.not_yet_due", name=name, when=talk.when(upcoming.scheduled_utc)))
    if latest.is_logged:
        key = "check.skipped" if latest.status is DoseStatus.SKIPPED else "check.taken"
        text = talk.say(key, name=name, when=talk.when(latest.logged_at or latest.scheduled_utc))
        return earlier_or_done(talk, text, status.earlier_open)
    text = talk.say("check.open", name=name, when=talk.when(latest.scheduled_utc))
    return ask(talk, text, Question(Ask.TAKEN, (latest.id,)), reprompt_key="checkin.reprompt")


def times_words(talk: Talk, n: int) -> str:
    return talk.say({1: "times.once", 2: "times.twice"}.get(n, "times.many"), n=n)


def check_time_of_day(talk: Talk, slot: TimeOfDay) -> Answer:
    today = [d for d in talk.today() if slot.contains(d.scheduled_local.time())
             and d.medication_id not in {m.id for m in talk.view.medications if m.schedule.as_needed}]
    label = slot_word(talk, slot)
    if not today:
        return done(talk.say("check.slot_none", label=label))
    taken = [d for d in today if d.status.is_taken]
    open_ = [d for d in today if not d.is_logged]
    parts = []
    if taken:
        parts.append(talk.say("check.slot_taken", label=label, names=said_names(taken)))
    if open_ and open_[0].scheduled_utc <= talk.now:
        parts.append(talk.say("check.slot_open", names=said_names(open_)))
        return ask(talk, " ".join(parts) + " " + talk.say("checkin.taken_them"),
                   Question(Ask.TAKEN, tuple(d.id for d in open_)), reprompt_key="checkin.reprompt")
    if open_:
        parts.append(talk.say("check.slot_later", names=said_names(open_), when=talk.when(open_[0].scheduled_utc)))
    return done(" ".join(parts))


def check_today(talk: Talk) -> Answer:
    """What is taken and what is still due today, so nothing is taken twice; grouped by time."""
    as_needed = {m.id for m in talk.view.medications if m.schedule.as_needed}
    today = [d for d in talk.today() if d.medication_id not in as_needed]
    if not today:
        return done(talk.say("check.nothing_today"))
    taken = [d for d in today if d.status.is_taken]
    missing = [d for d in today if not d.is_logged and d.scheduled_utc <= talk.now]
    parts = []
    if taken:
        items = [talk.say("dose.taken_at", name=d.medication_name, when=talk.when(d.logged_at or d.scheduled_utc))
                 for d in sorted(taken, key=lambda d: d.logged_at or d.scheduled_utc)]
        parts.append(talk.say("check.today_taken", items=spoken_list(items)))
    if missing:
        if not taken:
            parts.append(talk.say("check.today_none_yet"))
        items = grouped(talk, missing)
        said, rest = first_few(items)
        parts.append(talk.say("check.today_missing", items=said))
        if rest:
            return ask(talk, " ".join(parts) + " " + talk.say("more.ask"), Question(Ask.MORE, items=tuple(rest)),
                       reprompt_key="more.ask")
        return done(" ".join(parts))
    if taken:
        return done(" ".join(parts) + " " + next_sentence(talk))
    return done(f"{talk.say('due.nothing_yet')} {next_sentence(talk)}")


# -- lists -----------------------------------------------------------------------------------------------------
def listing(talk: Talk, intro: str, items: Sequence[str], outro: str = "") -> Answer:
    said, rest = first_few(items)
    if rest:
        return ask(talk, f"{intro} {said}. {talk.say('more.ask')}", Question(Ask.MORE, items=tuple(rest),
                                                                              outro=outro), reprompt_key="more.ask")
    return done(f"{intro} {said}. {outro}".strip())


def list_medicines(talk: Talk) -> Answer:
    """Each medicine once, in the order of the day, three at a time."""
    meds = talk.medications
    if not meds:
        return done(talk.say("list.none"))
    order = {d.medication_id: i for i, d in enumerate(reversed(talk.today()))}
    ordered = sorted(meds, key=lambda m: (m.schedule.as_needed, -order.get(m.id, -1), m.name.casefold()))
    items = [medicine_with_dose_of(talk, m) if not m.schedule.as_needed else talk.say("list.as_needed", name=m.name)
             for m in ordered]
    return listing(talk, talk.say("list.intro"), items)


def medicine_with_dose_of(talk: Talk, med: Medication) -> str:
    if not med.dose_text:
        return med.name
    return talk.say("dose.with_amount", name=med.name, amount=dose_words(med.dose_text, talk.locale))


def pills_left(talk: Talk, utterance: Utterance) -> Answer:
    found = resolve(utterance.slot("medication"), talk.medications)
    if found.medication is not None:
        return pills_of(talk, found.medication)
    if not found.generic:
        return which(talk, found, "pills")
    counted = [m for m in talk.medications if m.pill_count is not None]
    if not counted:
        return done(talk.say("pills.none_counted"))
    return listing(talk, talk.say("pills.intro"), [talk.say("pills.item", n=m.pill_count, name=m.name)
                                                   for m in counted])


def pills_of(talk: Talk, medication: Medication) -> Answer:
    if medication.pill_count is None:
        return done(talk.say("pills.not_counted", name=medication.name))
    text = talk.say("pills.left", n=medication.pill_count, name=medication.name)
    if medication.refill_threshold is not None and medication.pill_count <= medication.refill_threshold:
        text += " " + talk.say("pills.refill")
    return done(text)


# -- corrections and safety ------------------------------------------------------------------------------------
def undo_log(talk: Talk, utterance: Utterance, medication: Medication | None = None) -> Answer:
    """ "I didn't take it", "that's wrong": the most recent log (of that medicine) in the last few hours."""
    found = Resolution(medication=medication) if medication else resolve(utterance.slot("medication"),
                                                                          talk.medications)
    if not found.generic and found.medication is None:
        return which(talk, found, "undo")
    medication_id = found.medication.id if found.medication is not None else None
    result = undo.undo_last_log(talk.store, talk.actor, talk.now, talk.recipient.id, medication_id, view=talk.view,
                                covered_from=talk.covered_from)
    if result.kind is undo.UndoKind.UNDONE and result.dose is not None:
        dose = result.dose
        talk.remember([replace(dose, status=DoseStatus.PENDING, logged_at=None, source=None)])
        return done(talk.say("undo.done", name=dose.medication_name,
                             when=talk.when(dose.logged_at or dose.scheduled_utc)))
    return done(talk.say("undo.nothing"))


def safety(talk: Talk, utterance: Utterance) -> Answer:
    """A double dose, the wrong tablet, a dropped tablet, feeling unwell: recorded, carers told at once, one
    short signpost. Never medical advice, and never a log of its own."""
    kind = SAFETY_INTENTS[utterance.intent]
    found = resolve(utterance.slot("medication"), talk.medications)
    report_safety(talk.store, talk.actor, talk.recipient, kind, talk.now, medication=found.medication)
    return done(" ".join([talk.say(f"safety.{kind.value}"), talk.say("safety.told_carer"), signpost(talk)]))


# -- the check-in's answers ------------------------------------------------------------------------------------
def dont_remember(talk: Talk) -> Answer:
    """ "I don't remember": a calm check of the pill box together; never a guess either way."""
    pending = talk.pending
    if pending is not None and pending.kind in (Ask.TAKEN, Ask.EARLIER) and pending.ids:
        doses = [d for d in talk.doses(talk.now - timedelta(days=1), talk.now + timedelta(days=1))
                 if d.id in pending.ids]
        if doses:
            key = "pillbox.ask" if len(names(doses)) == 1 else "pillbox.ask_many"
            text = talk.say(key, label=o_clock(talk, doses[0].scheduled_local), names=said_names(doses))
            return ask(talk, text, Question(Ask.PILLBOX, pending.ids), reprompt_key="pillbox.reprompt")
    return ask(talk, talk.say("pillbox.offer_summary"), Question(Ask.MORE, items=(), action="summary"),
               reprompt_key="yes_no")


def let_me_check(talk: Talk) -> Answer:
    """ "Let me check": time to look, with the same question still open."""
    if talk.pending is None:
        return ask(talk, talk.say("wait.nothing_asked"))
    return Answer(text=talk.say("wait.take_your_time"), reprompt=talk.say("wait.reprompt"), question=talk.pending)


def yes(talk: Talk) -> Answer:
    pending = talk.pending
    if pending is None:
        return ask(talk, talk.say("what_next"))
    if pending.kind in (Ask.TAKEN, Ask.EARLIER, Ask.EARLY, Ask.NOTE):
        return log_doses(talk, pending.ids)
    if pending.kind is Ask.EXTRA:
        med = talk.medication(pending.ids[0]) if pending.ids else None
        if med is None:
            return ask(talk, talk.say("what_next"))
        return log_medicine(talk, med, confirm=True)
    if pending.kind is Ask.PILLBOX:  # "yes, it's still there": not taken
        return done(talk.say("pillbox.still_there"))
    if pending.kind is Ask.WHICH:
        med = next((m for m in talk.medications if pending.ids and m.id == pending.ids[0]), None)
        action = ACTIONS.get(pending.action)
        if med is not None and action is not None:
            return action(talk, med, pending.count)
    if pending.kind is Ask.MORE:
        if pending.action == "summary":
            return check_today(talk)
        return listing(talk, talk.say("more.also"), list(pending.items), pending.outro)
    return ask(talk, talk.say("what_next"))


def no(talk: Talk) -> Answer:
    pending = talk.pending
    if pending is None:
        return done(talk.say("goodbye"))
    if pending.kind in (Ask.TAKEN, Ask.EARLIER):
        return done(talk.say("no.not_taken"))
    if pending.kind is Ask.EARLY:
        return done(talk.say("no.not_early"))
    if pending.kind is Ask.EXTRA:
        return done(talk.say("no.same_intake"))
    if pending.kind is Ask.PILLBOX:  # "no, it's not there": it looks taken; ask before noting
        return ask(talk, talk.say("pillbox.gone"), Question(Ask.NOTE, pending.ids), reprompt_key="yes_no")
    if pending.kind is Ask.NOTE:
        return done(talk.say("no.not_noted"))
    if pending.kind is Ask.WHICH:
        rest = pending.ids[1:]
        med = next((m for m in talk.medications if rest and m.id == rest[0]), None)
        if med is not None:
            return ask(talk, talk.say("which.did_you_mean", name=med.name),
                       Question(Ask.WHICH, rest, pending.action, pending.count), reprompt_key="yes_no")
        return ask(talk, talk.say("which.sorry", names=spoken_list([m.name for m in by_name(talk.medications)])),
                   elicit="medication")
    return ask(talk, talk.say("what_next"))


# -- which medicine --------------------------------------------------------------------------------------------
def which(talk: Talk, found: Resolution, action: str, count: int | None = None) -> Answer:
    """Never guess: "Did you mean ...?" about a close name, or which one when several fit or none is close.
    A name that matched nothing is kept for the carer (the heard text, never audio)."""
    if found.choices:
        question = talk.say("which.one_of", options=options([m.name for m in found.choices]))
        return ask(talk, question, elicit="medication", reprompt=question)
    if found.candidates:
        first = found.candidates[0]
        question = talk.say("which.did_you_mean", name=first.name)
        return ask(talk, question, Question(Ask.WHICH, tuple(m.id for m in found.candidates), action, count),
                   reprompt=question)
    if found.unknown:
        talk.store.note_heard_name(talk.recipient.id, found.unknown, talk.now)
    meds = talk.medications
    if not meds:
        return done(talk.say("list.none"))
    return ask(talk, talk.say("which.not_recognised", names=spoken_list([m.name for m in by_name(meds)])),
               elicit="medication", reprompt_key="which.reprompt")


Action = Callable[[Talk, Medication, "int | None"], Answer]
ACTIONS: dict[str, Action] = {
    "log": lambda talk, med, count: log_medicine(talk, med, count=count),
    "skip": lambda talk, med, count: log_medicine(talk, med, skip=True),
    "check": lambda talk, med, count: check_medicine(talk, med),
    "pills": lambda talk, med, count: pills_of(talk, med),
    "next": lambda talk, med, count: ask(talk, next_sentence(talk, med.id)),
    "undo": lambda talk, med, count: _undo_medicine(talk, med),
}


def _undo_medicine(talk: Talk, med: Medication) -> Answer:
    return undo_log(talk, Utterance("UndoLogIntent"), med)


# -- conversation ----------------------------------------------------------------------------------------------
def help_(talk: Talk) -> Answer:
    return ask(talk, talk.say("help"))


def fallback(talk: Talk) -> Answer:
    """A gentle reprompt that keeps whatever question was open: a mishearing never loses the thread."""
    text = talk.say("fallback.with_question") if talk.pending is not None else talk.say("fallback")
    return Answer(text=text, reprompt=talk.say("fallback.reprompt"), question=talk.pending)


# -- parsing the assistant's values ----------------------------------------------------------------------------
_PARTS_OF_DAY = {"MO": time(8), "AF": time(13), "EV": time(18), "NI": time(21)}


def spoken_time(text: str | None) -> time | None:
    """AMAZON.TIME values: "07:00", "19:30", or a part of the day ("MO")."""
    if not text:
        return None
    if text in _PARTS_OF_DAY:
        return _PARTS_OF_DAY[text]
    try:
        return time.fromisoformat(text)
    except ValueError:
        return None


def duration_seconds(text: str | None) -> int | None:
    """ISO 8601 durations as AMAZON.DURATION gives them ("PT15M", "PT1H30M", "P1W"); None if unreadable."""
    found = re.match(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$", text or "")
    if not found or not any(found.groups()):
        return None
    weeks, days, hours, minutes, seconds = (int(g) if g else 0 for g in found.groups())
    return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds

