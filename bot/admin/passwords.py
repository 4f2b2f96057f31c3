"""Password hashes by argon2 (argon2-cffi), off the event loop: hashing is slow on purpose."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_CHARS = 8
_HASHER = PasswordHasher()  # stateless parameters, not a connection: safe to share
# Verified when the name is unknown, so a wrong name costs as long as a wrong password
# and timing does not tell which names exist.
_DUMMY_HASH = _HASHER.hash("no such user")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_HASHER.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)
