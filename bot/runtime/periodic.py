"""Background work that repeats: every interval, sooner when woken, stopped gracefully.

The outbox worker, the keyword reloader and the sweepers all run this way. Stopping
lets the round in flight finish instead of cancelling it: a round cancelled mid-way
can leave an API call made but not recorded, or a database connection half closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

# A round returns True when more work is waiting, to run again at once.
Round = Callable[[], Awaitable[bool]]
# Seconds to sleep after a round, when the work itself knows (a timer to the next shift).
NextWait = Callable[[], float]


class Periodic:
    """Runs `round_` until stopped; a failing round is logged and retried next interval.

    With `next_wait`, a round that ends sleeps as long as it says (e.g. until the next
    moment that has work), never more than `interval_s`, the safety net.
    """

    def __init__(
        self, name: str, round_: Round, interval_s: float, *, next_wait: NextWait | None = None
    ) -> None:
        self.name = name
        self._round = round_
        self._interval_s = interval_s
        self._next_wait = next_wait
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self, *, wait_first: bool = False) -> None:
        """Run the first round now, or (`wait_first`) after one interval."""
        self._task = asyncio.create_task(self._run(wait_first), name=self.name)

    def wake(self) -> None:
        """Run the next round now rather than at the end of the interval."""
        self._wakeup.set()

    async def stop(self, timeout_s: float) -> None:
        """Let the round in flight finish (cancel it only past `timeout_s`), then return."""
        if self._task is None:
            return
        self._stopping = True
        self._wakeup.set()
        try:
            await asyncio.wait_for(self._task, timeout_s)
        except TimeoutError:
            log.warning("%s did not stop in %.0fs; cancelled", self.name, timeout_s)

    async def _run(self, wait_first: bool) -> None:
        if wait_first:
            await self._wait(self._interval_s)
        while not self._stopping:
            wait_s = self._interval_s
            try:
                more = await self._round()
                if self._next_wait is not None:
                    wait_s = max(0.0, min(wait_s, self._next_wait()))
            except Exception:
                # The database or cache may be briefly away; the work waits there safely.
                log.exception("%s failed; next try in %.0fs", self.name, self._interval_s)
                more = False
            if not more and not self._stopping:
                await self._wait(wait_s)

    async def _wait(self, wait_s: float) -> None:
        self._wakeup.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), wait_s)
