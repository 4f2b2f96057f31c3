"""The executor registry: each job kind bound to the function that carries it out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic

from storage.jobs import JobKind, Payload

# What the outbox worker calls: the job's target and its stored payload.
Executor = Callable[[str, Mapping[str, object]], Awaitable[None]]


@dataclass(frozen=True)
class JobHandler(Generic[Payload]):
    """A job kind and its executor, which gets the decoded, typed payload."""

    kind: JobKind[Payload]
    run: Callable[[str, Payload], Awaitable[None]]

    async def __call__(self, target: str, raw: Mapping[str, object]) -> None:
        await self.run(target, self.kind.decode(raw))


def registry(handlers: Iterable[JobHandler[Any]]) -> dict[str, Executor]:
    """Executors by stored kind name; one handler per kind."""
    found: dict[str, Executor] = {}
    for handler in handlers:
        if handler.kind.name in found:
            raise ValueError(f"two executors for job kind {handler.kind.name!r}")
        found[handler.kind.name] = handler
    return found
