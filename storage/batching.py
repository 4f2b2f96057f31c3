"""Concurrent calls that share one round trip: group commit, pipelined cache claims.

No timer is involved: while one batch is in flight, newcomers queue, and the
next batch takes them all. A lone call goes out at once; a burst goes out in
few round trips. Each caller still waits for its own result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Runs one batch; returns one result per item, in order. An exception in the
# list fails that item alone; an exception raised fails the whole batch.
BatchRun = Callable[[Sequence[Item]], Awaitable[Sequence[Result | Exception]]]


class Batcher(Generic[Item, Result]):
    """Submits items to `run` in batches of at most `max_batch`."""

    def __init__(self, name: str, run: BatchRun[Item, Result], max_batch: int) -> None:
        self._name = name
        self._run = run
        self._max_batch = max_batch
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """`item`'s result once its batch has run; the batch's exception if it failed."""
        result: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, result))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run_all(), name=self._name)
        return await result

    async def _run_all(self) -> None:
        while self._waiting:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            try:
                results = await self._run([item for item, _ in batch])
            except Exception as exc:
                for _, result in batch:
                    if not result.done():
                        result.set_exception(exc)
                continue
            for (_, result), outcome in zip(batch, results, strict=True):
                if result.done():
                    continue  # its caller was cancelled
                if isinstance(outcome, Exception):
                    result.set_exception(outcome)
                else:
                    result.set_result(outcome)

    async def drain(self) -> None:
        """Wait for the batches in flight (at shutdown)."""
        if self._runner is not None:
            await asyncio.gather(self._runner, return_exceptions=True)
