"""The voice store contract: links, link lockout, voice state and reminder tokens behave alike everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from skill.domain.errors import ValidationError
from skill.domain.voice import AlexaLink, ReminderToken
from skill.store.base import Store
from tests.factories import medication, recipient

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_a_link_ties_an_alexa_id_to_a_recipient_and_a_later_code_moves_it(store: Store) -> None:
    # GIVEN a link
    store.put_alexa_link(AlexaLink("amzn1.ask.account.A", "rec_1", NOW))
    # THEN it reads back; an unknown id has none
    assert store.get_alexa_link("amzn1.ask.account.A") == AlexaLink("amzn1.ask.account.A", "rec_1", NOW)
    assert store.get_alexa_link("amzn1.ask.account.B") is None
    # WHEN the speaker is linked again to someone else, the later link wins
    store.put_alexa_link(AlexaLink("amzn1.ask.account.A", "rec_2", NOW + timedelta(minutes=1)))
    link = store.get_alexa_link("amzn1.ask.account.A")
    assert link is not None and link.recipient_id == "rec_2"
    # AND a deleted link is gone
    store.delete_alexa_link("amzn1.ask.account.A")
    assert store.get_alexa_link("amzn1.ask.account.A") is None


def test_five_wrong_codes_in_an_hour_lock_linking_for_an_hour(store: Store) -> None:
    who = "amzn1.ask.account.X"
    # GIVEN four wrong codes
    for i in range(4):
        attempts = store.record_link_failure(who, NOW + timedelta(minutes=i))
        assert not attempts.locked(NOW + timedelta(minutes=i))
    # WHEN the fifth comes within the hour
    fifth = store.record_link_failure(who, NOW + timedelta(minutes=10))
    # THEN linking is locked for an hour from then, and another try does not extend it
    assert fifth.locked_until == NOW + timedelta(minutes=70)
    again = store.record_link_failure(who, NOW + timedelta(minutes=20))
    assert again.locked_until == NOW + timedelta(minutes=70)
    assert store.link_attempts(who, NOW + timedelta(minutes=69)).locked(NOW + timedelta(minutes=69))
    # AND after the hour it is open again with a fresh count
    later = NOW + timedelta(minutes=71)
    assert not store.link_attempts(who, later).locked(later)
    assert store.record_link_failure(who, later).failures == 1


def test_wrong_codes_spread_over_more_than_an_hour_never_lock(store: Store) -> None:
    who = "amzn1.ask.account.Y"
    for i in range(8):
        at = NOW + timedelta(minutes=20 * i)
        attempts = store.record_link_failure(who, at)
        assert not attempts.locked(at)


def test_a_right_code_clears_the_count(store: Store) -> None:
    who = "amzn1.ask.account.Z"
    for i in range(4):
        store.record_link_failure(who, NOW + timedelta(minutes=i))
    store.clear_link_failures(who)
    assert store.link_attempts(who, NOW + timedelta(minutes=5)).failures == 0
    assert store.record_link_failure(who, NOW + timedelta(minutes=6)).failures == 1


def test_voice_state_defaults_and_updates_each_field_alone(store: Store) -> None:
    # GIVEN a person never heard by voice
    edith = recipient()
    store.put_recipient(edith)
    state = store.get_voice_state(edith.id)
    assert state.disclaimer_heard_at is None and state.reminders == {} and state.followup_minutes == 30
    # WHEN each flag is set
    store.mark_disclaimer_heard(edith.id, NOW)
    store.set_permission_declined(edith.id, NOW)
    store.set_device_timezone(edith.id, "America/New_York")
    store.set_followup_minutes(edith.id, 45)
    store.put_reminder_token(edith.id, "med_1@0800", ReminderToken("tok-1", "FREQ=DAILY"))
    store.put_reminder_token(edith.id, "med_1@0800+f", ReminderToken("tok-2", "FREQ=DAILY"))
    # THEN all read back
    state = store.get_voice_state(edith.id)
    assert state.disclaimer_heard_at == NOW and state.permission_declined_at == NOW
    assert state.device_timezone == "America/New_York" and state.followup_minutes == 45
    assert state.reminders == {"med_1@0800": ReminderToken("tok-1", "FREQ=DAILY"),
                               "med_1@0800+f": ReminderToken("tok-2", "FREQ=DAILY")}
    # AND clearing one leaves the others
    store.set_permission_declined(edith.id, None)
    store.set_device_timezone(edith.id, None)
    store.delete_reminder_token(edith.id, "med_1@0800")
    state = store.get_voice_state(edith.id)
    assert state.permission_declined_at is None and state.device_timezone is None
    assert set(state.reminders) == {"med_1@0800+f"} and state.disclaimer_heard_at == NOW


def test_follow_up_minutes_out_of_range_are_refused(store: Store) -> None:
    with pytest.raises(ValidationError):
        store.set_followup_minutes("rec_1", 1)


def test_the_voice_view_carries_the_person_their_medicines_doses_and_voice_state(store: Store) -> None:
    # GIVEN a person with a medicine and voice state
    edith = recipient()
    store.put_recipient(edith)
    med = medication(edith.id, "Metformin")
    store.put_medication(med)
    store.mark_disclaimer_heard(edith.id, NOW)
    # WHEN the turn's view is loaded
    loaded = store.load_voice_view(edith.id, NOW - timedelta(days=1))
    # THEN it has everything, and an unknown person has none
    assert loaded is not None
    assert loaded.view.recipient == edith and [m.id for m in loaded.view.medications] == [med.id]
    assert loaded.state.disclaimer_heard_at == NOW
    assert store.load_voice_view("rec_missing", NOW) is None
    # AND the core's own view is not confused by the voice item
    core = store.load_recipient_view(edith.id, NOW - timedelta(days=1))
    assert core is not None and core.recipient == edith


def test_the_voice_view_says_who_is_linked_so_a_guessed_recipient_is_confirmed_in_one_read(store: Store) -> None:
    # GIVEN a speaker linked to Edith, then moved to Bert
    edith, bert = recipient(display_name="Edith"), recipient(display_name="Bert")
    for person in (edith, bert):
        store.put_recipient(person)
    store.put_alexa_link(AlexaLink("amzn1.ask.account.K", edith.id, NOW))
    edith_view = store.load_voice_view(edith.id, NOW)
    assert edith_view is not None and edith_view.is_linked("amzn1.ask.account.K")
    store.put_alexa_link(AlexaLink("amzn1.ask.account.K", bert.id, NOW))
    # THEN Edith's view no longer claims the speaker (a stale cache is caught), Bert's does
    edith_view, bert_view = store.load_voice_view(edith.id, NOW), store.load_voice_view(bert.id, NOW)
    assert edith_view is not None and not edith_view.is_linked("amzn1.ask.account.K")
    assert bert_view is not None and bert_view.is_linked("amzn1.ask.account.K")
    # and unlinking removes it everywhere
    store.delete_alexa_link("amzn1.ask.account.K")
    bert_view = store.load_voice_view(bert.id, NOW)
    assert bert_view is not None and bert_view.linked_ids == frozenset()


def test_medicine_names_in_reminders_are_off_until_a_carer_opts_in_and_can_be_turned_off(store: Store) -> None:
    # GIVEN a person with some voice state already
    edith = recipient()
    store.put_recipient(edith)
    store.set_followup_minutes(edith.id, 45)
    assert store.get_voice_state(edith.id).name_medicines_in_reminders is False
    # WHEN the carer opts in
    store.set_name_medicines_in_reminders(edith.id, True)
    # THEN it reads back, in the turn's one read too, and the other settings stay
    state = store.get_voice_state(edith.id)
    assert state.name_medicines_in_reminders is True and state.followup_minutes == 45
    loaded = store.load_voice_view(edith.id, NOW)
    assert loaded is not None and loaded.state.name_medicines_in_reminders is True
    # AND opting out again sticks
    store.set_name_medicines_in_reminders(edith.id, False)
    assert store.get_voice_state(edith.id).name_medicines_in_reminders is False
