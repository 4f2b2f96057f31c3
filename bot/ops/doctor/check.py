"""One finding of `wxbot doctor`, and the timeout every probe runs under."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass

CHECK_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Check:
    """One finding: `fix` says what to do when `ok` is False ("" when nothing is known)."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


async def timed(name: str, probe: Awaitable[str], fix: str) -> Check:
    """Run `probe` (its result is the detail) under the timeout; any failure is a ✗."""
    try:
        return Check(name, True, await asyncio.wait_for(probe, CHECK_TIMEOUT_S))
    except TimeoutError:
        return Check(name, False, f"no answer within {CHECK_TIMEOUT_S:.0f} s", fix)
    except Exception as error:  # a doctor reports every failure instead of crashing on it
        return Check(name, False, f"{type(error).__name__}: {error}".strip(": "), fix)
