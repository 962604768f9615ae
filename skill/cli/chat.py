"""`dosekeeper chat RECIPIENT`: try the voice skill by typing, as that person, without a device."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

import click

from skill import settings
from skill.cli.common import fail, parse_instant, resolve_recipient, store_from_context
from skill.domain.errors import DoseKeeperError
from skill.observability import get_logger

CONSOLE_SKILL_ID = "amzn1.ask.skill.dosekeeper-console"
QUIT_WORDS = ("quit", "exit", ":q")


def _say(turn_speech: str, reprompt: str, notes: tuple[str, ...], ended: bool) -> None:
    if turn_speech:
        click.echo(f"Alexa: {turn_speech}")
    for note in notes:
        click.echo(f"  [{note}]")
    if reprompt and not ended:
        click.echo(f"  (if you say nothing: {reprompt})")
    if ended:
        click.echo("  (session ended: the next line starts a new one)")


@click.command("chat")
@click.argument("recipient")
@click.option("--locale", default=None, help="Interaction model to use (default: the recipient's locale).")
@click.option("--skill-id", envvar=settings.SKILL_ID, default=None,
              help="Skill id put in each request (env DOSEKEEPER_SKILL_ID).")
@click.option("--api-endpoint", default=None, metavar="URL",
              help="context.System.apiEndpoint of each request (e.g. a local fake of the Alexa APIs).")
@click.option("--url", default=None, metavar="URL",
              help="POST the requests to a running skill (e.g. http://127.0.0.1:8080/alexa) instead of in process.")
@click.option("--at", "at_text", default=None, metavar="TIME",
              help="Pretend it is this moment (ISO 8601 with offset), to try a dose-time conversation any time.")
@click.pass_context
def chat(ctx: click.Context, recipient: str, locale: str | None, skill_id: str | None, api_endpoint: str | None,
         url: str | None, at_text: str | None) -> None:
    """Talk to the skill as RECIPIENT: type what you would say to Alexa, one line at a time ("quit" ends)."""
    from skill.voice_console.conversation import Conversation
    from skill.voice_console.envelopes import DEFAULT_API_ENDPOINT, Caller
    from skill.voice_console.linking import ensure_linked
    from skill.voice_console.model import available_locales, load_model
    from skill.voice_console.transport import SkillCall, in_process, over_http

    if at_text and url:
        fail("--at works only in process: a running server keeps its own clock")
    at = parse_instant(at_text) if at_text else None
    clock = (lambda: at) if at is not None else None
    store = store_from_context(ctx)
    person = resolve_recipient(store, recipient)
    chosen = locale or (person.locale if person.locale in available_locales() else "en-GB")
    try:
        model = load_model(chosen)
    except DoseKeeperError as exc:
        fail(str(exc))
    skill_id = skill_id or CONSOLE_SKILL_ID
    user_id = ensure_linked(store, person.id, at or datetime.now(UTC))
    call: SkillCall
    if url:
        call = over_http(url)
    else:
        from skill.alexa.skill_builder import build_skill
        from skill.voice_console.offline_api import OfflineApiClient

        # Alexa's APIs are reached only when an endpoint is given (a local fake): never with a made-up token.
        call = in_process(build_skill(store, skill_id=skill_id, clock=clock,
                                      api_client=None if api_endpoint else OfflineApiClient()))
        if not api_endpoint:  # "API unavailable" is expected here: quiet it for this command only
            alexa_log = get_logger("dosekeeper.alexa")  # and its children: every voice module logs under it
            previous = alexa_log.level
            alexa_log.setLevel(logging.ERROR)
            ctx.call_on_close(lambda: alexa_log.setLevel(previous))
    caller = Caller(skill_id=skill_id, user_id=user_id, locale=model.locale,
                    api_endpoint=api_endpoint or DEFAULT_API_ENDPOINT)
    conversation = Conversation(model, call, caller, clock=clock)
    stdin: TextIO = sys.stdin
    interactive = stdin.isatty()
    try:
        turn = conversation.start()
        _say(turn.speech, turn.reprompt, turn.notes, turn.ended)
        while True:
            if interactive:
                click.echo("You: ", nl=False)
            line = stdin.readline()
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            if not interactive:
                click.echo(f"You: {text}")
            if text.lower() in QUIT_WORDS:
                break
            turn = conversation.say(text)
            _say(turn.speech, turn.reprompt, turn.notes, turn.ended)
        conversation.end()
    except OSError as exc:
        fail(f"the skill did not answer: {exc}")
    except Exception as exc:  # an operator's tool: one line, never a traceback
        fail(f"the skill failed: {type(exc).__name__}: {exc}")
