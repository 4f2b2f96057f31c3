"""The leads feature's long-lived objects, built once per app, and its timer sweeper."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.runtime.limits import BACKGROUND_STOP_TIMEOUT_S
from bot.runtime.periodic import Periodic
from leads.contacts import ContactLinker
from leads.customer_moves import CustomerMoves
from leads.intake import LeadIntake, LeadObserver
from leads.limits import SWEEP_INTERVAL_S, SWEEP_LOCK_KEY, SWEEP_LOCK_TTL_S
from leads.policy import LeadPolicy
from leads.sales_actions import SalesActions
from leads.staff_chat import StaffCommandRunner
from leads.timers import LeadTimers, SweepCounts
from leads.transfer_outcomes import TransferOutcomes
from storage.cache import Cache, hold_lock
from storage.database import SessionFactory

log = logging.getLogger(__name__)


class LeadSweeper:
    """Runs the lead timers; one process at a time (a cache lock), idempotent anyway."""

    def __init__(
        self,
        timers: LeadTimers,
        sessions: SessionFactory,
        cache: Cache,
        on_queued: Callable[[], None],
        rng: random.Random,
    ) -> None:
        self._timers = timers
        self._sessions = sessions
        self._cache = cache
        self._on_queued = on_queued
        self._owner = uuid.uuid4().hex
        # Spread the processes' sweeps so they rarely contend for the lock.
        interval = SWEEP_INTERVAL_S * (1 + rng.random() / 10)
        self._loop = Periodic("lead-sweep", self._round, interval)

    def start(self) -> None:
        self._loop.start(wait_first=True)

    async def stop(self) -> None:
        await self._loop.stop(BACKGROUND_STOP_TIMEOUT_S)

    async def _round(self) -> bool:
        await self.run_once()
        return False

    async def run_once(self) -> SweepCounts | None:
        """One sweep; None when another process holds the sweep lock."""
        async with hold_lock(self._cache, SWEEP_LOCK_KEY, self._owner, SWEEP_LOCK_TTL_S) as held:
            if not held:
                return None
            async with self._sessions.begin() as session:
                counts = await self._timers.sweep(session)
        if counts != SweepCounts():
            log.info("lead sweep: %s", counts)
            self._on_queued()
        return counts


@dataclass(frozen=True)
class LeadsRuntime:
    """What the WeCom callbacks, the effects stage and the sweeper share."""

    intake: LeadIntake
    actions: SalesActions
    commands: StaffCommandRunner
    contacts: ContactLinker
    sweeper: LeadSweeper
    # The hand-over's seam: queue WeCom customer transfers with the leads they follow.
    moves: CustomerMoves
    # What a transfer's end does to its lead (polls and `transfer_fail` callbacks).
    transfers: TransferOutcomes


def customer_moves(policy: LeadPolicy, clock: Callable[[], datetime]) -> CustomerMoves:
    """The hand-over's mover (the bot's and `wxbot team handover`'s): the WeCom transfers
    go through the leads' app with `[leads] transfer_message`."""
    return CustomerMoves(policy.wecom, clock, message=policy.transfer_message)


def build_leads(
    policy: LeadPolicy,
    *,
    clock: Callable[[], datetime],
    sessions: SessionFactory,
    cache: Cache,
    on_queued: Callable[[], None],
    rng: random.Random,
    observer: LeadObserver | None = None,
) -> LeadsRuntime:
    """The leads objects; `observer` (the journeys) hears of grades, states and new contacts."""
    intake = LeadIntake(policy, clock, observer)
    timers = LeadTimers(intake, clock)
    actions = SalesActions(intake, clock)
    return LeadsRuntime(
        intake=intake,
        actions=actions,
        commands=StaffCommandRunner(actions),
        contacts=ContactLinker(
            policy, clock, None if observer is None else observer.on_contact_added
        ),
        sweeper=LeadSweeper(timers, sessions, cache, on_queued, rng),
        moves=customer_moves(policy, clock),
        transfers=TransferOutcomes(policy.wecom, policy.team.manager_of, clock),
    )
