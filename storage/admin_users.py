"""The one writer of `admin_users` and `admin_audit`.

Hashing is not done here: callers pass the hash, so storage knows nothing of argon2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.admin_models import AdminAudit, AdminUser
from storage.database import SessionFactory


@dataclass(frozen=True)
class AdminAccount:
    id: int
    name: str
    role: str
    password_hash: str
    failures: int
    locked_until: datetime | None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: str


def _account(row: AdminUser) -> AdminAccount:
    return AdminAccount(
        row.id, row.name, row.role, row.password_hash, row.failures, row.locked_until
    )


def add_audit(
    session: AsyncSession, *, actor: str, action: str, target: str, detail: str, at: datetime
) -> None:
    """Record a change in the caller's transaction, so change and record commit together."""
    session.add(
        AdminAudit(at=at, actor=actor[:64], action=action[:64], target=target[:128], detail=detail)
    )


class AdminUsers:
    """Accounts of the admin site, and the audit log of what they changed."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def get(self, name: str) -> AdminAccount | None:
        async with self._sessions() as session:
            row = await session.scalar(select(AdminUser).where(AdminUser.name == name))
            return None if row is None else _account(row)

    async def all(self) -> list[AdminAccount]:
        async with self._sessions() as session:
            rows = await session.scalars(select(AdminUser).order_by(AdminUser.name))
            return [_account(row) for row in rows]

    async def count(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(AdminUser)) or 0)

    async def add(self, name: str, role: str, password_hash: str, actor: str, at: datetime) -> bool:
        """False when `name` is taken (also when another process took it a moment ago)."""
        try:
            async with self._sessions.begin() as session:
                if await session.scalar(select(AdminUser.id).where(AdminUser.name == name)):
                    return False
                session.add(
                    AdminUser(name=name, role=role, password_hash=password_hash, failures=0,
                              created_at=at)
                )  # fmt: skip
                add_audit(session, actor=actor, action="user.add", target=name,
                          detail=f"role={role}", at=at)  # fmt: skip
        except IntegrityError:
            return False
        return True

    async def set_password(self, name: str, password_hash: str, actor: str, at: datetime) -> bool:
        """Also clears a lock-out: a new password is how an admin unlocks someone."""
        async with self._sessions.begin() as session:
            changed = await session.scalar(
                update(AdminUser)
                .where(AdminUser.name == name)
                .values(password_hash=password_hash, failures=0, locked_until=None)
                .returning(AdminUser.name)
            )
            if changed is None:
                return False
            add_audit(session, actor=actor, action="user.passwd", target=name, detail="", at=at)
            return True

    async def remove(self, name: str, actor: str, at: datetime) -> bool:
        async with self._sessions.begin() as session:
            gone = await session.scalar(
                delete(AdminUser).where(AdminUser.name == name).returning(AdminUser.name)
            )
            if gone is None:
                return False
            add_audit(session, actor=actor, action="user.remove", target=name, detail="", at=at)
            return True

    async def record_failure(
        self, name: str, limit: int, now: datetime, locked_until: datetime
    ) -> int:
        """Count a failed sign-in; at `limit` failures the account locks until `locked_until`."""
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(AdminUser).where(AdminUser.name == name).with_for_update()
            )
            if row is None:
                return 0
            row.failures += 1
            if row.failures >= limit:
                row.locked_until = locked_until
                row.failures = 0
                add_audit(
                    session,
                    actor="system",
                    action="user.locked",
                    target=name,
                    detail=f"{limit} failed sign-ins",
                    at=now,
                )
            return row.failures

    async def record_success(self, name: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(AdminUser)
                .where(AdminUser.name == name)
                .values(failures=0, locked_until=None)
            )

    async def audit(self, actor: str, action: str, target: str, detail: str, at: datetime) -> None:
        async with self._sessions.begin() as session:
            add_audit(session, actor=actor, action=action, target=target, detail=detail, at=at)

    async def audit_log(self, limit: int, before_id: int | None = None) -> list[AuditEntry]:
        """Newest first, a page at a time (keyset on id, so deep pages stay cheap)."""
        query = select(AdminAudit).order_by(AdminAudit.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(AdminAudit.id < before_id)
        async with self._sessions() as session:
            return [
                AuditEntry(row.id, row.at, row.actor, row.action, row.target, row.detail)
                for row in await session.scalars(query)
            ]
