"""Signing in: a password check with lock-out after repeated failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.admin.passwords import verify_password
from storage.admin_users import AdminAccount, AdminUsers


class Outcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # unknown name or wrong password: the page does not say which
    LOCKED = "locked"


@dataclass(frozen=True)
class SignInResult:
    outcome: Outcome
    account: AdminAccount | None = None
    locked_until: datetime | None = None


@dataclass(frozen=True)
class SignIn:
    users: AdminUsers
    max_failures: int
    lockout: timedelta

    async def attempt(self, name: str, password: str, now: datetime) -> SignInResult:
        account = await self.users.get(name)
        if account is not None and account.locked_until is not None and account.locked_until > now:
            # Refused without checking the password: a locked account tells a guesser nothing.
            return SignInResult(Outcome.LOCKED, locked_until=account.locked_until)
        good = await verify_password(account.password_hash if account else None, password)
        if account is None:
            return SignInResult(Outcome.WRONG)
        if not good:
            until = now + self.lockout
            await self.users.record_failure(name, self.max_failures, now, until)
            locked = await self.users.get(name)
            if locked is not None and locked.locked_until is not None and locked.locked_until > now:
                return SignInResult(Outcome.LOCKED, locked_until=locked.locked_until)
            return SignInResult(Outcome.WRONG)
        await self.users.record_success(name)
        return SignInResult(Outcome.OK, account=account)
