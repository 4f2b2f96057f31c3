"""Daily reconciliation: each open lead's customer is still with the lead's owner in WeCom.

WeCom tells the bot of most changes, but not all: changes made through the API or
WeCom's own console (a transfer there, a resigned member's customers reassigned by an
admin) send no callback, and a callback can be lost. Once a day the team's customers
are listed (`batch/get_by_user`) and every open lead whose customer is no longer with
its owner gets a `customer_mismatch` timeline entry (the state the manager acts on,
shown on the lead page) and its manager one notice listing them. A lead whose
customer is still being transferred is left alone, and so is one whose failed transfer
was reported (the customer stayed with the previous owner); a mismatch already
recorded is not recorded again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from leads.jobs import WECOM_TEXT, StaffText
from leads.lifecycle import OPEN_STATES
from leads.transfer_outcomes import ManagerOf
from storage import leads_repo as repo
from storage.lead_models import Lead, LeadEvent
from storage.outbox import add_jobs
from storage.team.transfers import known_splits, open_transfer_leads

MISMATCH = "customer_mismatch"
# Entries after which a recorded mismatch no longer stands (the customer came back).
_RESETS = ("contact_added", "customer_transferred", MISMATCH)


@dataclass(frozen=True)
class Drift:
    """An open lead whose customer is not with its owner; `now_with` None: nobody on the
    team has them (deleted by the customer or by staff)."""

    lead_id: int
    owner: str
    external_userid: str
    now_with: str | None

    @property
    def detail(self) -> str:
        where = f"moved to {self.now_with}" if self.now_with else "not with anyone on the team"
        return f"{self.external_userid} {where}"


async def open_leads_with_customers(session: AsyncSession) -> list[tuple[int, str, str]]:
    """(lead id, owner, external userid) of every open, owned lead with a WeCom customer."""
    rows = await session.execute(
        select(Lead.id, Lead.owner, Lead.external_userid).where(
            Lead.state.in_(list(OPEN_STATES)),
            Lead.owner.is_not(None),
            Lead.external_userid.is_not(None),
        )
    )
    return [(lead_id, str(owner), str(ext)) for lead_id, owner, ext in rows]


def find_drifts(
    leads: Collection[tuple[int, str, str]], customers: Mapping[str, Collection[str]]
) -> list[Drift]:
    """The leads whose customer is missing from their owner's list (a pure function)."""
    holder = {ext: userid for userid, exts in sorted(customers.items()) for ext in exts}
    return [
        Drift(lead_id, owner, ext, holder.get(ext))
        for lead_id, owner, ext in leads
        if ext not in customers.get(owner, ())
    ]


class Reconciliation:
    """Records drifts on their leads and queues one notice per manager."""

    def __init__(self, app: str, manager_of: ManagerOf, clock: Callable[[], datetime]) -> None:
        self._app = app
        self._manager_of = manager_of
        self._clock = clock

    async def record(self, session: AsyncSession, drifts: Collection[Drift]) -> list[Drift]:
        """Record the drifts not recorded yet and not explained by an open transfer."""
        if not drifts:
            return []
        ids = [d.lead_id for d in drifts]
        moving = await open_transfer_leads(session, ids)
        # A failed transfer told the manager already: the customer stayed with the giver.
        split = await known_splits(session, ids)
        await repo.lock_assignments(session)  # the lock, then lead rows
        new: list[Drift] = []
        now = self._clock()
        for drift in drifts:
            known = drift.now_with is not None and split.get(drift.lead_id) == drift.now_with
            if drift.lead_id in moving or known or await self._already(session, drift):
                continue
            lead = await session.get(Lead, drift.lead_id, with_for_update=True)
            if lead is None or lead.owner != drift.owner:
                continue  # reassigned since the listing: the next run looks again
            await repo.add_event(session, lead, MISMATCH, "system", now, detail=drift.detail)
            new.append(drift)
        notices: dict[str, list[str]] = {}
        for drift in new:
            who = self._manager_of(drift.owner) or drift.owner
            where = f"已在 {drift.now_with} 名下" if drift.now_with else "已不在团队任何人名下"
            notices.setdefault(who, []).append(
                f"线索 #{drift.lead_id}（{drift.owner}）：客户{where}"
            )
        head = "企业微信客户对账：以下线索的客户不在负责人名下，请处理。\n"
        jobs = [
            WECOM_TEXT.request(self._app, StaffText(who, head + "\n".join(lines)))
            for who, lines in sorted(notices.items())
        ]
        add_jobs(session, jobs, now)
        return new

    @staticmethod
    async def _already(session: AsyncSession, drift: Drift) -> bool:
        last = await session.scalar(
            select(LeadEvent)
            .where(LeadEvent.lead_id == drift.lead_id, LeadEvent.kind.in_(_RESETS))
            .order_by(LeadEvent.id.desc())
            .limit(1)
        )
        return last is not None and last.kind == MISMATCH and last.detail == drift.detail
