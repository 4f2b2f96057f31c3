"""`start_eagerly` against `asyncio.ensure_future`, the behaviour it replaces.

A handler is a script of steps (awaits of every kind, a raise, a return); the
same script runs once under each, and both must end alike: the same steps
run, the same outcome, the same context variables seen inside and left outside.
Cancelled after some turns of the loop, it must end as a task cancelled after
some turns ends.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.runtime.eager_start import start_eagerly

VAR = contextvars.ContextVar("VAR", default="outside")

# Steps: "sleep0" (a bare yield), "value"/"error" (a future resolved later, by a value
# or an exception), "sleep" (a timer), "set" (a context variable set), "raise", "cancel"
# (the coroutine raises CancelledError itself).
STEPS = st.lists(
    st.sampled_from(["sleep0", "value", "error", "sleep", "set", "raise", "cancel", "catch"]),
    max_size=6,
)


class Boom(Exception):
    pass


@dataclass
class Trace:
    steps: list[str] = field(default_factory=list)


def settle(future: asyncio.Future[str], step: str, number: int) -> None:
    if future.done():  # cancelled with its waiter
        return
    if step == "value":
        future.set_result(f"v{number}")
    else:
        future.set_exception(Boom(f"e{number}"))


def script(steps: list[str], trace: Trace) -> Callable[[], Coroutine[Any, Any, str]]:
    async def run() -> str:
        loop = asyncio.get_running_loop()
        for number, step in enumerate(steps):
            trace.steps.append(f"{number}:{step}:{VAR.get()}")
            if step == "sleep0":
                await asyncio.sleep(0)
            elif step == "sleep":
                await asyncio.sleep(0.001)
            elif step in {"value", "error"}:
                future: asyncio.Future[str] = loop.create_future()
                loop.call_soon(settle, future, step, number)
                try:
                    trace.steps.append(await future)
                except Boom as exc:
                    trace.steps.append(f"caught {exc}")
            elif step == "set":
                VAR.set(f"set{number}")
            elif step == "raise":
                raise Boom(f"raised {number}")
            elif step == "cancel":
                raise asyncio.CancelledError
            elif step == "catch":
                try:
                    await asyncio.sleep(0)
                except asyncio.CancelledError:
                    trace.steps.append("cancel caught")
                    return "swallowed"
        return f"done {VAR.get()}"

    return run


def outcome(future: asyncio.Future[str]) -> str:
    if future.cancelled():
        return "cancelled"
    error = future.exception()
    return f"error {error!r}" if error is not None else f"result {future.result()}"


async def run_with(
    start: Callable[[Coroutine[Any, Any, str]], asyncio.Future[str]],
    steps: list[str],
    cancel_after: int | None,
) -> tuple[str, list[str], str]:
    trace = Trace()
    VAR.set("outside")
    future = start(script(steps, trace)())
    turns = 0
    while not future.done():
        if cancel_after is not None and turns == cancel_after:
            future.cancel()
        await asyncio.sleep(0 if turns < 20 else 0.001)
        turns += 1
    return outcome(future), trace.steps, VAR.get()


@settings(max_examples=300, deadline=None)
@given(steps=STEPS)
def test_behaves_as_ensure_future(steps: list[str]) -> None:
    expected = asyncio.run(run_with(asyncio.ensure_future, steps, None))
    assert asyncio.run(run_with(start_eagerly, steps, None)) == expected


@settings(max_examples=200, deadline=None)
@given(steps=STEPS, cancel_after=st.integers(0, 8))
def test_a_cancelled_start_ends_as_a_cancelled_task_can(
    steps: list[str], cancel_after: int
) -> None:
    """The first step has run when `start_eagerly` returns (a task's runs a turn later),
    so a cancellation lands a turn apart: it must end as the task cancelled after some
    number of turns ends, never otherwise."""
    actual = asyncio.run(run_with(start_eagerly, steps, cancel_after))
    possible = [asyncio.run(run_with(asyncio.ensure_future, steps, turns)) for turns in range(12)]
    possible.append(asyncio.run(run_with(asyncio.ensure_future, steps, None)))
    assert actual in possible


async def test_a_coroutine_that_never_waits_gets_no_task() -> None:
    async def answer() -> int:
        return 42

    future = start_eagerly(answer())
    assert future.done()
    assert not isinstance(future, asyncio.Task)
    assert future.result() == 42


async def test_a_coroutine_that_waits_runs_its_first_step_at_once() -> None:
    started: list[str] = []
    gate: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def handler() -> str:
        started.append("first step")
        return await gate

    future = start_eagerly(handler())
    assert started == ["first step"]  # ensure_future would not have run it yet
    assert not future.done()
    gate.set_result("late")
    assert await future == "late"
