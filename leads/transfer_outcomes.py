"""What a transfer's end does to its lead: a timeline entry, and a task for the manager.

A lead moves to its new owner at once; its customer follows in WeCom 24 h later, or
not. A failed end (refused, the receiver full, the per-customer limit, no record)
leaves the lead with its new owner and a `customer_transfer_failed` entry naming why,
shows on the lead page, and sends the manager one notice naming the lead: never a
silent split.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from leads.jobs import WECOM_TEXT, StaffText
from leads.transfer_limits import FAIL_REASONS
from storage import leads_repo as repo
from storage.lead_models import Lead
from storage.outbox import add_jobs
from storage.team.transfer_models import DONE, SPLIT, CustomerTransfer
from storage.team.transfers import mark_reported, set_states, waiting_for

log = logging.getLogger(__name__)

# Who to tell of a failed transfer to `to_userid` (their manager); None: the receiver.
# `leads.team.Team.manager_of` of the live team: the one way to find a manager.
ManagerOf = Callable[[str], str | None]

# Staff read WeCom in Chinese, as every other notice (`leads.alerts`).


_WHY = {
    "refused": "客户拒绝了转接",
    "receiver_full": "接替成员的客户数已达上限",
    "limit_reached": "该客户90天内已被转接两次",
    "no_record": "原负责人名下没有该客户",
    "failed": "企业微信拒绝了转接",
}


class TransferOutcomes:
    """Records ended transfers on their leads and queues the manager's notices."""

    def __init__(self, app: str, manager_of: ManagerOf, clock: Callable[[], datetime]) -> None:
        self._app = app
        self._manager_of = manager_of
        self._clock = clock

    async def ended(self, session: AsyncSession, rows: Sequence[CustomerTransfer]) -> None:
        """Timeline entries for `rows` that just ended; one notice per manager for the failed."""
        rows = [row for row in rows if row.state == DONE or row.state in SPLIT]
        if not rows:
            return
        now = self._clock()
        await repo.lock_assignments(session)  # the lock, then lead rows: see lock_assignments
        leads = {
            lead.id: lead
            for lead in await session.scalars(
                select(Lead).where(Lead.id.in_([row.lead_id for row in rows])).with_for_update()
            )
        }
        failed: dict[str, list[str]] = {}
        for row in rows:
            lead = leads.get(row.lead_id)
            if lead is None:
                continue
            detail = f"{row.state} {row.external_userid} {row.from_userid}→{row.to_userid}"
            if row.errcode:
                detail += f" errcode {row.errcode}"
            kind = "customer_transferred" if row.state == DONE else "customer_transfer_failed"
            await repo.add_event(session, lead, kind, "system", now, detail=detail)
            if row.state in SPLIT and not row.reported:
                who = self._manager_of(row.to_userid) or row.to_userid
                failed.setdefault(who, []).append(
                    f"线索 #{lead.id}（{row.from_userid}→{row.to_userid}）：{_WHY[row.state]}"
                )
        await mark_reported(session, [row.id for row in rows if row.state in SPLIT])
        add_jobs(
            session,
            [
                WECOM_TEXT.request(
                    self._app,
                    StaffText(
                        who,
                        "企业微信客户转接失败：线索已归新负责人，客户仍在原负责人名下，请处理。\n"
                        + "\n".join(lines),
                    ),
                )
                for who, lines in sorted(failed.items())
            ],
            now,
        )

    async def transfer_failed(self, session: AsyncSession, fields: Mapping[str, str]) -> bool:
        """`change_external_contact` / `transfer_fail`: `UserID` is the receiver; end the
        customer's open transfer to them on `FailReason`. False when none matches."""
        state = FAIL_REASONS.get(fields.get("FailReason", ""))
        userid, external = fields.get("UserID", ""), fields.get("ExternalUserID", "")
        row = await waiting_for(session, userid, external)
        if state is None or row is None:
            log.warning(
                "transfer_fail for %s → %s (%s) matches no open transfer",
                external, userid, fields.get("FailReason"),
            )  # fmt: skip
            return False
        changed = await set_states(session, {row.id: (state, None)}, now=self._clock())
        await self.ended(session, changed)
        return bool(changed)
