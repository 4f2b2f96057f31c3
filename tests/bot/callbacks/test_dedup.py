"""The retry contract: one attempt does the work, a retry never gets a 200 for nothing stored."""

from __future__ import annotations

import asyncio

import pytest

from bot.callbacks.dedup import FirstAttemptBusy, answer_once
from bot.callbacks.limits import DEDUP_KEY
from storage.cache import MemoryCache


async def test_the_first_attempt_works_and_a_retry_gets_its_stored_reply() -> None:
    cache = MemoryCache()
    stored: dict[str, str] = {}

    async def work() -> str:
        stored["k"] = "<xml>reply</xml>"
        return stored["k"]

    async def reply() -> str | None:
        return stored.get("k")

    assert await answer_once(cache, "k", work, reply, "a") == ("<xml>reply</xml>", True)
    assert await answer_once(cache, "k", work, reply, "b") == ("<xml>reply</xml>", False)


async def test_a_dead_owners_claim_gets_503_then_the_retry_after_its_lease_takes_over() -> None:
    cache = MemoryCache()
    # A process killed mid-request left its claim and stored nothing.
    await cache.set_if_absent(f"{DEDUP_KEY}:k", "dead-owner", 0.3)
    done: list[str] = []

    async def work() -> str:
        done.append("work")
        return "<xml>fresh</xml>"

    async def nothing() -> str | None:
        return None

    with pytest.raises(FirstAttemptBusy) as refused:
        await answer_once(cache, "k", work, nothing, "b", wait_s=0.1)
    assert refused.value.status == 503  # WeChat retries; `success` would lose the message
    await asyncio.sleep(0.3)
    assert await answer_once(cache, "k", work, nothing, "c", wait_s=0.1) == (
        "<xml>fresh</xml>",
        True,
    )
    assert done == ["work"]


async def test_a_failed_attempt_drops_only_its_own_claim() -> None:
    cache = MemoryCache()

    async def fail() -> str:
        # Meanwhile another attempt took the claim over (this one overran its lease).
        await cache.delete(f"{DEDUP_KEY}:k")
        await cache.set_if_absent(f"{DEDUP_KEY}:k", "other", 10)
        raise RuntimeError("database down")

    async def nothing() -> str | None:
        return None

    with pytest.raises(RuntimeError):
        await answer_once(cache, "k", fail, nothing, "mine")
    assert await cache.get(f"{DEDUP_KEY}:k") == "other"
