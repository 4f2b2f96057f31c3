"""The daily reconciliation of leads against WeCom's customer lists, and its loop.

Every process runs the loop; each hour it asks whether today's run happened (a key
set once a day in the shared cache), so one process runs it a day. `wxbot team
reconcile` runs it at once and prints what it found.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from bot.runtime.limits import BACKGROUND_STOP_TIMEOUT_S
from bot.runtime.periodic import Periodic
from leads.reconcile import Drift, Reconciliation, find_drifts, open_leads_with_customers
from leads.transfer_limits import (
    NO_CUSTOMERS,
    RECONCILE_CHECK_S,
    RECONCILE_DAY_KEY,
    RECONCILE_INTERVAL_S,
)
from leads.transfer_upkeep import TransferUpkeep, Upkeep
from storage.cache import Cache
from storage.database import SessionFactory
from wxapi.errors import ApiError
from wxapi.transfers import TransferApi

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReconcileReport:
    """One run: whose lists were read, how many leads were checked, what did not match."""

    members: tuple[str, ...]
    unlisted: tuple[str, ...]
    checked: int
    drifts: tuple[Drift, ...]
    recorded: tuple[Drift, ...]
    upkeep: Upkeep


async def team_customers(api: TransferApi, userids: Collection[str]) -> dict[str, set[str]]:
    """Each member's customers: `batch/get_by_user`, or one `list` per member when the
    batch is refused (one unknown member fails it all). Members WeCom does not know are
    left out, so their leads are not reported on a guess."""
    try:
        return await api.customers_of(sorted(userids))
    except ApiError as exc:
        if exc.retryable or exc.token_rejected:
            raise
        log.warning("batch/get_by_user refused (%s): listing members one by one", exc.errcode)
    found: dict[str, set[str]] = {}
    for userid in sorted(userids):
        try:
            found[userid] = set(await api.customer_ids(userid))
        except ApiError as exc:
            if exc.errcode == NO_CUSTOMERS:
                found[userid] = set()
            elif exc.retryable or exc.token_rejected:
                raise
            else:
                log.warning("externalcontact/list refused %s (%s)", userid, exc.errcode)
    return found


class CustomerReconciler:
    """Lists the team's customers and records the leads whose customer moved or left."""

    def __init__(
        self,
        sessions: SessionFactory,
        api: TransferApi,
        reconciliation: Reconciliation,
        upkeep: TransferUpkeep,
        team: Callable[[], Collection[str]],
        *,
        cache: Cache,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._api = api
        self._reconciliation = reconciliation
        self._upkeep = upkeep
        self._team = team
        self._cache = cache
        self._clock = clock
        self._loop = Periodic("customer-reconcile", self._round, RECONCILE_CHECK_S)

    async def run_once(self) -> ReconcileReport:
        """Reconcile now, whatever ran today (the transfers' upkeep first)."""
        async with self._sessions.begin() as session:
            upkeep = await self._upkeep.run(session)
        async with self._sessions() as session:
            leads = await open_leads_with_customers(session)
        wanted = set(self._team()) | {owner for _, owner, _ in leads}
        customers = await team_customers(self._api, wanted)
        listed = [lead for lead in leads if lead[1] in customers]
        drifts = find_drifts(listed, customers)
        async with self._sessions.begin() as session:
            recorded = await self._reconciliation.record(session, drifts)
        if drifts:
            log.warning("reconciliation: %d lead(s) whose customer is not with their owner",
                        len(drifts))  # fmt: skip
        return ReconcileReport(
            tuple(sorted(customers)), tuple(sorted(wanted - set(customers))), len(listed),
            tuple(drifts), tuple(recorded), upkeep,
        )  # fmt: skip

    async def _round(self) -> bool:
        day = self._clock().date().isoformat()
        key = RECONCILE_DAY_KEY.format(day=day)
        if await self._cache.set_if_absent(key, "1", RECONCILE_INTERVAL_S * 2):
            try:
                await self.run_once()
            except Exception:
                await self._cache.delete(key)  # let the next hour try again
                raise
        return False

    def start(self) -> None:
        self._loop.start(wait_first=True)

    async def stop(self) -> None:
        await self._loop.stop(BACKGROUND_STOP_TIMEOUT_S)
