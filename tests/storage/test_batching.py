"""Batcher: concurrent calls share round trips, each caller gets its own outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.batching import Batcher


class Doubler:
    """Doubles numbers a batch at a time, remembering each batch; odd numbers fail alone."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    async def run(self, items: Sequence[int]) -> list[int | Exception]:
        self.batches.append(list(items))
        await asyncio.sleep(0)  # a round trip: newcomers queue meanwhile
        return [ValueError(n) if n % 2 else n * 2 for n in items]


async def test_a_lone_call_runs_at_once_and_a_burst_shares_batches() -> None:
    doubler = Doubler()
    batcher = Batcher[int, int]("test", doubler.run, max_batch=8)
    assert await batcher.submit(2) == 4
    assert doubler.batches == [[2]]
    results = await asyncio.gather(*(batcher.submit(n) for n in range(0, 40, 2)))
    assert results == [n * 2 for n in range(0, 40, 2)]
    # All twenty queue before the first batch leaves; eight at most a batch.
    assert [len(batch) for batch in doubler.batches[1:]] == [8, 8, 4]


@given(st.lists(st.integers(min_value=0, max_value=1000), max_size=60))
def test_every_caller_gets_its_own_outcome(numbers: list[int]) -> None:
    async def scenario() -> None:
        batcher = Batcher[int, int]("test", Doubler().run, max_batch=7)
        outcomes = await asyncio.gather(
            *(batcher.submit(n) for n in numbers), return_exceptions=True
        )
        for number, outcome in zip(numbers, outcomes, strict=True):
            if number % 2:
                assert isinstance(outcome, ValueError) and outcome.args == (number,)
            else:
                assert outcome == number * 2

    asyncio.run(scenario())


async def test_a_batch_that_raises_fails_its_callers_and_the_next_batch_still_runs() -> None:
    calls = 0

    async def flaky(items: Sequence[str]) -> list[str]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        if calls == 1:
            raise ConnectionError("server went away")
        return [item.upper() for item in items]

    batcher = Batcher[str, str]("test", flaky, max_batch=10)
    first = asyncio.ensure_future(batcher.submit("a"))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(batcher.submit("b"))
    with pytest.raises(ConnectionError):
        await first
    assert await second == "B"
    await batcher.drain()
