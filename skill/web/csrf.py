"""CSRF tokens for every form: a random per-session secret, compared in constant time.

The session cookie is SameSite=Lax already; the token also covers older browsers and same-site attackers.
Requests under the exempt prefixes (the token-authenticated API, the signed Alexa endpoint) carry no
cookie-based authority, so they need no token.
"""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_token() -> str:
    token = session.get(FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[FIELD] = token
    return token


def rotate() -> None:
    """A new token at sign-in and sign-out, so a token seen before sign-in is useless after it."""
    session[FIELD] = secrets.token_urlsafe(32)


def check_csrf(exempt_prefixes: tuple[str, ...]) -> None:
    if request.method not in UNSAFE or request.path.startswith(exempt_prefixes):
        return
    expected = session.get(FIELD)
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if not isinstance(expected, str) or not hmac.compare_digest(expected, sent):
        abort(400, description="This form has expired or did not come from DoseKeeper. Reload the page and "
                               "try again.")
