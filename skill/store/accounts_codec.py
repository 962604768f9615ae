"""Account records to and from plain dicts: one encoding for SQLite and DynamoDB alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from skill.domain.accounts import AccessToken, AuditEntry, Invitation, PasswordReset, Role, TokenScope, User
from skill.store.codec import opt_parse_utc, opt_utc_text, parse_utc, parse_utc_or_unknown, utc_text


def user_to_dict(u: User) -> dict[str, Any]:
    return {
        "id": u.id, "email": u.email, "role": u.role.value, "organisation": u.organisation,
        "password_hash": u.password_hash, "recipient_ids": sorted(u.recipient_ids),
        "failed_logins": u.failed_logins, "locked_until": opt_utc_text(u.locked_until),
        "created_at": utc_text(u.created_at), "session_version": u.session_version,
    }


def user_from_dict(d: dict[str, Any]) -> User:
    return User(
        id=str(d["id"]), email=str(d["email"]), role=Role(str(d["role"])),
        organisation=str(d.get("organisation") or "default"),
        password_hash=str(d["password_hash"]), recipient_ids=frozenset(str(r) for r in d.get("recipient_ids") or ()),
        failed_logins=int(d.get("failed_logins") or 0), locked_until=opt_parse_utc(d.get("locked_until")),
        created_at=parse_utc_or_unknown(d.get("created_at")), session_version=int(d.get("session_version") or 0),
    )


def token_to_dict(t: AccessToken) -> dict[str, Any]:
    return {"token_hash": t.token_hash, "user_id": t.user_id, "name": t.name, "created_at": utc_text(t.created_at),
            "scope": t.scope.value, "expires": opt_utc_text(t.expires_at)}


def token_from_dict(d: dict[str, Any]) -> AccessToken:
    """Tokens stored before scopes existed have neither field: they read as read-write, never expiring."""
    return AccessToken(token_hash=str(d["token_hash"]), user_id=str(d["user_id"]), name=str(d.get("name") or ""),
                       created_at=parse_utc_or_unknown(d.get("created_at")),
                       scope=TokenScope(str(d.get("scope") or TokenScope.READ_WRITE.value)),
                       expires_at=opt_parse_utc(d.get("expires")))


def reset_to_dict(r: PasswordReset) -> dict[str, Any]:
    return {"token_hash": r.token_hash, "user_id": r.user_id, "created_at": utc_text(r.created_at),
            "expires": utc_text(r.expires_at), "used_at": opt_utc_text(r.used_at)}


def reset_from_dict(d: dict[str, Any]) -> PasswordReset:
    return PasswordReset(token_hash=str(d["token_hash"]), user_id=str(d["user_id"]),
                         created_at=parse_utc_or_unknown(d.get("created_at")),
                         expires_at=parse_utc(str(d["expires"])),
                         used_at=opt_parse_utc(d.get("used_at")))


def invitation_to_dict(i: Invitation) -> dict[str, Any]:
    return {"token_hash": i.token_hash, "inviter_id": i.inviter_id, "organisation": i.organisation,
            "recipient_ids": sorted(i.recipient_ids), "expires": utc_text(i.expires_at),
            "used_at": opt_utc_text(i.used_at)}


def invitation_from_dict(d: dict[str, Any]) -> Invitation:
    return Invitation(token_hash=str(d["token_hash"]), inviter_id=str(d["inviter_id"]),
                      organisation=str(d["organisation"]),
                      recipient_ids=frozenset(str(r) for r in d.get("recipient_ids") or ()),
                      expires_at=parse_utc_or_unknown(d.get("expires")), used_at=opt_parse_utc(d.get("used_at")))


AUDIT_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width with microseconds: two changes in a second keep order


def audit_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime(AUDIT_TIME_FORMAT)


def audit_to_dict(a: AuditEntry) -> dict[str, Any]:
    return {"id": a.id, "who": a.who, "when": audit_time(a.when), "recipient_id": a.recipient_id,
            "entity": a.entity, "action": a.action, "before": a.before, "after": a.after}


def audit_from_dict(d: dict[str, Any]) -> AuditEntry:
    when = datetime.strptime(str(d["when"]), AUDIT_TIME_FORMAT).replace(tzinfo=UTC)
    return AuditEntry(id=str(d["id"]), who=str(d["who"]), when=when,
                      recipient_id=str(d["recipient_id"]), entity=str(d["entity"]), action=str(d["action"]),
                      before=d.get("before"), after=d.get("after"))
