"""A controllable clock for tests and simulations."""

from __future__ import annotations


class FakeClock:
    """Epoch seconds that only move when told to; pass it as `FakeWeChat(clock=...)`."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`."""
        self.now += seconds
