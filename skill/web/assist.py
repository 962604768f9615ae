"""`POST /assist`: Home Assistant's intent scripts ask DoseKeeper what to say, with a per-person token.

The route only translates: the bearer token names the person, the body becomes a turn for the shared dialogue
(`skill.assist.turn`), and the answer goes back as `{"speech", "end", "conversation_id"}`. A carer makes or
revokes the person's token here too (signed in, with the form's CSRF token); the secret is shown once.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template_string, request, url_for
from flask.typing import ResponseReturnValue

from skill.assist import tokens
from skill.assist.pending import PendingQuestions
from skill.assist.turn import BadTurn, answer, parse
from skill.observability import get_logger
from skill.store.base import Store
from skill.web.auth import require_login
from skill.web.config import WebConfig
from skill.web.guards import recipient_for

log = get_logger(__name__)

SHOWN_ONCE = """{% extends "base.html" %}{% block content %}
<h1>Home Assistant token</h1>
<p>Copy this token into Home Assistant's <code>secrets.yaml</code> now: it is shown only once.</p>
<pre><code>dosekeeper_assist_authorization: "Bearer {{ secret }}"</code></pre>
<p><a href="{{ back }}">Back</a></p>
{% endblock %}"""


def assist_blueprint(store: Store, config: WebConfig, pending: PendingQuestions | None = None) -> Blueprint:
    bp = Blueprint("assist", __name__)
    questions = pending or PendingQuestions()

    @bp.post("/assist")
    def turn() -> ResponseReturnValue:
        recipient_id = tokens.recipient_of(store, tokens.bearer(request.headers.get("Authorization")))
        if recipient_id is None:
            return jsonify(error="a valid assist token is required"), 401, {"WWW-Authenticate": "Bearer"}
        try:
            said = parse(request.get_json(silent=True))
        except BadTurn as exc:
            return jsonify(error=str(exc)), 422
        reply = answer(store, questions, recipient_id, said, config.clock())
        if reply is None:
            return jsonify(error="a valid assist token is required"), 401
        log.info("assist turn", extra={"recipient_id": recipient_id, "intent": said.intent, "end": reply.end})
        return jsonify(reply.to_json())

    @bp.post("/recipients/<recipient_id>/assist-token")
    def new_token(recipient_id: str) -> ResponseReturnValue:
        if (sign_in := require_login()) is not None:
            return sign_in
        person = recipient_for(store, recipient_id, edit=True)
        secret = tokens.issue(store, person.id, config.clock())
        log.info("assist token issued", extra={"recipient_id": person.id})
        back = url_for("recipient.show", recipient_id=person.id)
        return render_template_string(SHOWN_ONCE, secret=secret, back=back), 201, {"Cache-Control": "no-store"}

    @bp.post("/recipients/<recipient_id>/assist-token/revoke")
    def revoke(recipient_id: str) -> ResponseReturnValue:
        if (sign_in := require_login()) is not None:
            return sign_in
        person = recipient_for(store, recipient_id, edit=True)
        revoked = tokens.revoke_all(store, person.id, config.clock())
        log.info("assist tokens revoked", extra={"recipient_id": person.id, "count": revoked})
        return redirect(url_for("recipient.show", recipient_id=person.id), code=303)

    return bp
