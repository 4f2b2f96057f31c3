"""Repeating background work: rounds, wake-ups, failures, and a stop that lets a round finish."""

from __future__ import annotations

import asyncio

import pytest

from bot.runtime.periodic import Periodic


async def test_stop_lets_the_round_in_flight_finish() -> None:
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[bool] = []

    async def round_() -> bool:
        started.set()
        await release.wait()
        finished.append(True)
        return False

    periodic = Periodic("test", round_, interval_s=60)
    periodic.start()
    await started.wait()
    stopping = asyncio.create_task(periodic.stop(timeout_s=5))
    await asyncio.sleep(0.05)
    assert not stopping.done()  # still waiting for the round, not cancelling it
    release.set()
    await stopping
    assert finished == [True]


async def test_a_round_stuck_past_the_timeout_is_cancelled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def stuck() -> bool:
        await asyncio.Event().wait()
        return False

    periodic = Periodic("stuck", stuck, interval_s=60)
    periodic.start()
    await asyncio.sleep(0.01)
    await periodic.stop(timeout_s=0.05)
    assert "stuck did not stop" in caplog.text


async def test_wake_runs_the_next_round_at_once_and_more_work_repeats() -> None:
    rounds: list[int] = []
    pending = [True, True, False]  # two rounds report more work waiting

    async def round_() -> bool:
        rounds.append(len(rounds))
        return pending.pop(0) if pending else False

    periodic = Periodic("test", round_, interval_s=60)
    periodic.start()
    await asyncio.sleep(0.05)
    assert len(rounds) == 3
    periodic.wake()
    await asyncio.sleep(0.05)
    assert len(rounds) == 4
    await periodic.stop(timeout_s=1)


async def test_a_failing_round_is_logged_and_tried_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = 0

    async def flaky() -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database away")
        return False

    periodic = Periodic("flaky", flaky, interval_s=0.01)
    periodic.start()
    await asyncio.sleep(0.1)
    await periodic.stop(timeout_s=1)
    assert calls >= 2
    assert "flaky failed" in caplog.text


async def test_wait_first_delays_the_first_round() -> None:
    rounds = 0

    async def round_() -> bool:
        nonlocal rounds
        rounds += 1
        return False

    periodic = Periodic("test", round_, interval_s=60)
    periodic.start(wait_first=True)
    await asyncio.sleep(0.05)
    assert rounds == 0
    await periodic.stop(timeout_s=1)
    assert rounds == 0
