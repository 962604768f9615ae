"""One conversation, every front (issue 14): the conversation rules written once, as scenarios, and run on
Alexa (envelopes, in process), the console (typed sentences through the real interaction model), Home
Assistant (the sentence through hassil and the exported intent script, `POST /assist` over real HTTP) and MCP
(the SDK's client over real HTTP, the `converse` tool). Each scenario states what the person says, the key
words she must hear, and what the store must hold afterwards; every front reads the same store back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from skill.domain.accounts import TokenScope
from skill.domain.alerts import AlertKind
from tests.functional.fronts.alexa import AlexaFront
from tests.functional.fronts.assist import AssistFront
from tests.functional.fronts.base import Front, Turn
from tests.functional.fronts.console import ConsoleFront
from tests.functional.fronts.mcp import McpFront
from tests.functional.fronts.site import serving
from tests.functional.fronts.world import World, build_world

SIGNPOST = "I've let your carer know. If you feel unwell, call a pharmacist or NHS 111, or 999 in an emergency."


@dataclass(frozen=True)
class Step:
    turn: Turn
    hears: tuple[str, ...] = ()  # key phrases she must hear, in this answer
    ends: bool | None = None  # None: either; False: a question is asked and the microphone stays open
    logged: tuple[str, ...] | None = None  # the store after this step: "Medicine@HH:MM" of every logged dose
    at: float | None = None  # move Edith's clock to this local hour first


@dataclass(frozen=True)
class Scenario:
    name: str
    at: float  # Edith's local hour when it starts
    steps: tuple[Step, ...]
    events: tuple[str, ...] = ()  # care events recorded, by kind
    alerts: tuple[AlertKind, ...] = ()
    quantities: tuple[int, ...] | None = None  # pills recorded per logged dose
    new_session_before: frozenset[int] = field(default_factory=frozenset)  # step indexes that start afresh


def took(medicine: str) -> Turn:
    return Turn(f"I took my {medicine}", "LogDoseIntent", {"medication": medicine})


YES = Turn("yes", "AMAZON.YesIntent")
NO = Turn("no", "AMAZON.NoIntent")
WHATS_DUE = Turn("what do I take now", "WhatIsDueIntent")

SCENARIOS = (
    Scenario("a dose is logged once, then 'already taken at'", at=8 + 5 / 60, steps=(
        Step(took("metformin"), hears=("noted your Metformin",), logged=("Metformin@08:00",)),
        Step(took("metformin"), hears=("You already took your Metformin at 8:05",), logged=("Metformin@08:00",)),
    ), new_session_before=frozenset({1})),
    Scenario("the evening report logs the evening dose and asks about the morning one", at=20 + 5 / 60, steps=(
        Step(took("metformin"), hears=("This morning's Metformin isn't noted. Did you take that too?",),
             ends=False, logged=("Metformin@20:00",)),
        Step(NO, logged=("Metformin@20:00",)),
    )),
    Scenario("yes to the check-in records exactly the doses it named", at=20 + 5 / 60, steps=(
        Step(WHATS_DUE, hears=("It's time for your 8 o'clock medicines: Metformin and Ramipril. "
                               "Have you taken them?",), ends=False, logged=()),
        Step(YES, hears=("Thanks, I've noted your Metformin and Ramipril.",),
             logged=("Metformin@20:00", "Ramipril@20:00")),
    )),
    Scenario("a question is never a log", at=8.5, steps=(
        Step(Turn("did I take my metformin", "CheckDoseIntent", {"medication": "metformin"}),
             hears=("Not yet. Your Metformin from 8 this morning isn't noted. Have you taken it?",), logged=()),
    )),
    Scenario("an over-limit as-needed report is recorded with a warning and a safety event", at=10, steps=(
        Step(Turn("I took 10 paracetamol", "LogDoseIntent", {"medication": "paracetamol", "count": "10"}),
             hears=("I've noted your Paracetamol. That's more than the 8 a day your carer set.", "NHS 111")),
    ), events=("over_limit",), alerts=(AlertKind.SAFETY,), quantities=(10,)),
    Scenario("a double dose is recorded, the carer alerted and help signposted", at=9, steps=(
        Step(Turn("I think I took my pills twice", "TookTooMuchIntent"), hears=(SIGNPOST,), logged=()),
    ), events=("double_dose",), alerts=(AlertKind.SAFETY,)),
    Scenario("'I don't remember' checks the pill box and never guesses", at=20 + 6 / 60, steps=(
        Step(WHATS_DUE, ends=False),
        Step(Turn("I don't remember", "DontRememberIntent"),
             hears=("Look in your pill box at the 8 o'clock space. Are your Metformin and Ramipril still there?",),
             ends=False, logged=()),
        Step(NO, hears=("Then it looks like you've taken it. Shall I note it as taken?",), ends=False, logged=()),
        Step(YES, logged=("Metformin@20:00", "Ramipril@20:00")),
    )),
)

FRONTS = ("alexa", "console", "home_assistant", "mcp")


@pytest.fixture(params=FRONTS)
def front_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Front, World]]:
    world = build_world(tmp_path / "dosekeeper.db")
    with ExitStack() as stack:
        stack.callback(world.store.close)
        front: Front
        if request.param == "alexa":
            front = AlexaFront(world)
        elif request.param == "console":
            front = ConsoleFront(world)
        else:
            base_url = stack.enter_context(serving(world))
            front = (AssistFront(world, base_url) if request.param == "home_assistant"
                     else McpFront.linked(world, base_url))
        yield front, world


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_the_conversation_rule_holds_on_every_front(front_world: tuple[Front, World], scenario: Scenario) -> None:
    front, world = front_world
    # GIVEN Edith at the scenario's hour of her today
    world.clock.set(world.at(scenario.at))
    session = front.open()
    for index, step in enumerate(scenario.steps):
        if index in scenario.new_session_before:
            session = front.open()
        if step.at is not None:
            world.clock.set(world.at(step.at))
        # WHEN she says the turn on this front
        heard = session.say(step.turn)
        # THEN she hears the key words, the microphone stays open only for a question
        for phrase in step.hears:
            assert phrase in heard.text, f"{front.name}, turn {index + 1}: {heard.text!r}"
        if step.ends is not None:
            assert heard.ended is step.ends, f"{front.name}, turn {index + 1}: {heard!r}"
        # AND the store holds exactly what this turn should have recorded
        if step.logged is not None:
            assert world.logged() == list(step.logged), f"{front.name}, turn {index + 1}: {heard.text!r}"
    # AND the safety record and alerts are those of the rule, on every front alike
    assert world.events() == sorted(scenario.events)
    assert world.alerts() == list(scenario.alerts)
    if scenario.quantities is not None:
        assert world.quantities() == list(scenario.quantities)


# -- MCP's `converse`: the question kept per caller and conversation, the caller's scope enforced -------------
@pytest.fixture
def mcp(tmp_path: Path) -> Iterator[tuple[McpFront, World]]:
    world = build_world(tmp_path / "dosekeeper.db")
    with serving(world) as base_url:
        yield McpFront.linked(world, base_url), world
    world.store.close()


def test_a_yes_in_another_mcp_conversation_answers_no_question_and_records_nothing(
        mcp: tuple[McpFront, World]) -> None:
    front, world = mcp
    world.clock.set(world.at(20 + 5 / 60))
    # GIVEN the check-in asked in one conversation
    assert "Have you taken them?" in front.open().say(WHATS_DUE).text
    # WHEN a "yes" arrives in another conversation of the same assistant
    heard = front.open().say(YES)
    # THEN it is not taken as an answer to a question it never heard: nothing is recorded
    assert world.logged() == []
    assert "noted" not in heard.text


def test_a_read_only_mcp_link_cannot_converse_and_an_unknown_intent_is_refused(mcp: tuple[McpFront, World]) -> None:
    front, world = mcp
    world.clock.set(world.at(8 + 5 / 60))
    # GIVEN Anne's read-only link
    read_only = McpFront.linked(world, front.base_url, scope=TokenScope.READ)
    # WHEN it says a dose was taken, THEN the tool refuses and nothing is recorded
    assert "read only" in read_only.open().refused(took("metformin"))
    assert world.logged() == []
    # AND an intent the grammar does not have is refused by name, with nothing recorded
    assert "intent" in front.open().refused(Turn("take all my pills", "TakeEverythingIntent"))
    assert world.logged() == []
