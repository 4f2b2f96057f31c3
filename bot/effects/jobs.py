"""The executor registry: each job kind bound to the function that carries it out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic

from sqlalchemy.ext.asyncio import AsyncSession

from storage.jobs import JobKind, Payload

# What an executor may hand back: writes to make in the transaction that marks its job
# done. What a call did is then recorded if and only if the job is settled (a crash in
# between re-runs the call without a record written twice), and a round's jobs settle
# in one commit instead of one each.
SettleWrites = Callable[[AsyncSession], Awaitable[None]]
# What the outbox worker calls: the job's target and its stored payload.
Executor = Callable[[str, Mapping[str, object]], Awaitable[SettleWrites | None]]


@dataclass(frozen=True)
class JobHandler(Generic[Payload]):
    """A job kind and its executor, which gets the decoded, typed payload."""

    kind: JobKind[Payload]
    run: Callable[[str, Payload], Awaitable[SettleWrites | None]]

    async def __call__(self, target: str, raw: Mapping[str, object]) -> SettleWrites | None:
        return await self.run(target, self.kind.decode(raw))


def registry(handlers: Iterable[JobHandler[Any]]) -> dict[str, Executor]:
    """Executors by stored kind name; one handler per kind."""
    found: dict[str, Executor] = {}
    for handler in handlers:
        if handler.kind.name in found:
            raise ValueError(f"two executors for job kind {handler.kind.name!r}")
        found[handler.kind.name] = handler
    return found
