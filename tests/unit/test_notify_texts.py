"""What carers read: short, in the recipient's locale, naming medicines only with the contact's opt-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from skill.domain.alerts import AlertKind
from skill.domain.models import Contact, Dose
from skill.notify.policy import dose_alert
from skill.notify.texts import word
from tests.factories import recipient

AT = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def test_by_default_the_alert_names_the_person_and_time_but_not_the_medicine() -> None:
    wording = word(AlertKind.MISSED, locale="en-GB", person="Edith", due_local=AT, medicine=None)
    assert wording.text == "Edith has not confirmed the medicine due at 8:00 am."
    assert len(wording.text) < 160


def test_us_locale_and_opt_in_names() -> None:
    wording = word(AlertKind.MISSED, locale="en-US", person="Edith", due_local=AT + timedelta(hours=12),
                   medicine="Metformin")
    assert wording.text == "Edith has not confirmed Metformin due at 8:00 PM."


def test_the_contact_choice_decides_whether_the_medicine_is_named() -> None:
    edith = recipient(display_name="Edith", timezone="America/New_York", locale="en-US")
    dose = Dose(id="m@1", recipient_id=edith.id, medication_id="m", medication_name="Warfarin",
                scheduled_local=AT, scheduled_utc=AT)
    private = Contact(id="c1", recipient_id=edith.id, name="Ann", channel="email", address="a@example.org")
    named = Contact(id="c2", recipient_id=edith.id, name="Bo", channel="email", address="b@example.org",
                    name_medicines=True)
    quiet = dose_alert(edith, dose, private, AlertKind.MISSED, AT, AT)
    told = dose_alert(edith, dose, named, AlertKind.MISSED, AT, AT)
    assert "Warfarin" not in quiet.message.text and "medicine" not in quiet.message.data
    assert "Warfarin" in told.message.text and told.message.data["medicine"] == "Warfarin"
    assert "3:00 AM" in quiet.message.text  # 08:00 UTC in New York


def test_all_clear_skipped_and_refill_words() -> None:
    assert word(AlertKind.ALL_CLEAR, locale="en-GB", person="Edith", due_local=AT, medicine=None).text == (
        "All clear: Edith has now taken the medicine due at 8:00 am.")
    assert "skipped" in word(AlertKind.ALL_CLEAR, locale="en-GB", person="Edith", due_local=AT, medicine=None,
                             skipped=True).text
    assert word(AlertKind.REFILL, locale="en-AU", person="Edith", due_local=AT, medicine=None,
                pills_left=5).text == "Edith is running low on one medicine: 5 left. Time to arrange a refill."
