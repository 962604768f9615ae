"""Home Assistant's names for DoseKeeper's intents, lists and rules, prefixed so they never clash with its own.

Home Assistant merges custom sentences with its built-in intents (HassTurnOn, <name>, {area}): an unprefixed
rule such as <my> or a list such as {count} would silently replace or join one of Home Assistant's.
"""

from __future__ import annotations

from skill.conversation.replies import REPLIES

INTENT_PREFIX = "DoseKeeper"
NAME_PREFIX = "dosekeeper_"
# Intents with no sentences of their own: what Home Assistant does when nothing matched is its own business.
NOT_SPOKEN = frozenset({"AMAZON.FallbackIntent"})


def assist_intent(grammar_intent: str) -> str:
    """ "LogDoseIntent" -> "DoseKeeperLogDose", "AMAZON.YesIntent" -> "DoseKeeperYes"."""
    return INTENT_PREFIX + grammar_intent.removeprefix("AMAZON.").removesuffix("Intent")


SPOKEN_INTENTS: dict[str, str] = {assist_intent(i): i for i in REPLIES if i not in NOT_SPOKEN}


ANSWERED_INTENTS: dict[str, str] = {assist_intent(i): i for i in REPLIES}  # spoken, and the check-in's "?"


def grammar_intent(name: str) -> str | None:
    """The grammar's intent for a Home Assistant intent name (or the short form "LogDose"); None if unknown."""
    full = name if name.startswith(INTENT_PREFIX) else INTENT_PREFIX + name
    return ANSWERED_INTENTS.get(full)


def list_name(slot: str) -> str:
    return NAME_PREFIX + slot


def rule_name(rule: str) -> str:
    return NAME_PREFIX + rule


# A list value carries what the dialogue needs: "ID|words as said", and "own:ID|words" for the person's own
# medicines (kept here, apart from the sentence builder, so answering a turn never loads the grammar tools).
OWN_PREFIX = "own:"
SEPARATOR = "|"
