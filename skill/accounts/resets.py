"""Password reset links: a random secret mailed once, stored only as its SHA-256, usable once for a short
while. The mail names no person cared for and no medicine, only the account's own address."""

from __future__ import annotations

from datetime import datetime, timedelta

from skill.accounts.tokens import hash_secret, new_secret
from skill.domain.accounts import PasswordReset
from skill.domain.alerts import Message

RESET_LIFETIME = timedelta(minutes=30)


def issue_reset(user_id: str, now: datetime) -> tuple[str, PasswordReset]:
    """(the secret for the link, the record to store). Whole seconds, as the stores keep them, so the link
    lasts exactly the lifetime rather than up to a second less."""
    secret = new_secret()
    start = now.replace(microsecond=0)
    return secret, PasswordReset(token_hash=hash_secret(secret), user_id=user_id, created_at=start,
                                 expires_at=start + RESET_LIFETIME)


def reset_message(address: str, link: str, reset: PasswordReset) -> Message:
    minutes = int((reset.expires_at - reset.created_at).total_seconds() // 60)
    text = (
        "Someone (we hope you) asked to reset the password of your DoseKeeper account.\n\n"
        f"To choose a new password, open this link within {minutes} minutes. It works once:\n\n{link}\n\n"
        "Setting a new password signs you out everywhere.\n"
        "If you did not ask for this, you can ignore this email: your password stays as it is.\n"
    )
    return Message(channel="email", address=address, subject="Reset your DoseKeeper password", text=text,
                   key=f"reset:{reset.token_hash[:16]}")
