"""Password hashing with argon2id; parameters come from argon2-cffi's current recommendations."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from skill.domain.errors import ValidationError

MIN_LENGTH = 10
_hasher = PasswordHasher()


def check_strength(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"password must be at least {MIN_LENGTH} characters")
    if len(password) > 1024:
        raise ValidationError("password is too long")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_strength(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A hash to verify against when the email is unknown, so a wrong email takes as long as a wrong password.
DUMMY_HASH = _hasher.hash("not-a-real-password-0000")
