"""Applying stored WeCom events behind their answer: card clicks and contact changes."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.effects.stage import Mark
from leads.contacts import ContactLinker
from leads.staff_chat import StaffCommandRunner
from leads.transfer_outcomes import TransferOutcomes
from storage.lead_models import WeComEvent

# Told of each contact change in the same transaction (the channels' figures).
ContactObserver = Callable[[AsyncSession, str, Mapping[str, str], datetime], Awaitable[None]]


class WeComEventEffects:
    """What a card click or a contact change does, in the effects stage's transaction."""

    def __init__(
        self,
        commands: StaffCommandRunner,
        contacts: ContactLinker,
        observer: ContactObserver | None = None,
        transfers: TransferOutcomes | None = None,
    ) -> None:
        self._commands = commands
        self._contacts = contacts
        self._observer = observer
        # A `transfer_fail` ends the customer's transfer on its lead (refused, receiver full).
        self._transfers = transfers

    async def __call__(
        self, session: AsyncSession, ids: Sequence[int], at: datetime, mark: Mark
    ) -> None:
        rows = await session.execute(
            select(WeComEvent.from_user, WeComEvent.detail, WeComEvent.app)
            .where(WeComEvent.id.in_(list(ids)))
            .order_by(WeComEvent.id)
        )
        for from_user, detail, app in rows.all():
            fields: dict[str, str] = json.loads(detail or "{}")
            event = fields.get("Event", "").lower()
            if event == "change_external_contact":
                if fields.get("ChangeType") == "transfer_fail" and self._transfers is not None:
                    await self._transfers.transfer_failed(session, fields)
                await self._contacts.changed(session, fields)
                if self._observer is not None:
                    await self._observer(session, app, fields, at)
            elif event == "template_card_event":
                await self._commands.on_button(
                    session, from_user, fields["EventKey"], fields.get("ResponseCode", "")
                )
