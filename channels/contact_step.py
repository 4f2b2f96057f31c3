"""WeCom adds and deletions counted per channel and staff member, in the WeCom stream's
transaction; an add that takes someone to the rota's daily cap re-staffs the code at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from channels.attribution import count_contact_change
from channels.jobs import CHANNEL_CODES, EnsureCodes
from channels.model import ChannelTable
from storage.channels.tallies import Tally, adds_today
from storage.local_days import local_day
from storage.models import OutboxJob
from storage.outbox import job_rows
from storage.upsert import insert_unless_exists


class ChannelContacts:
    """Called for every `change_external_contact` the effects stage applies."""

    def __init__(self, table: Callable[[], ChannelTable]) -> None:
        self._table = table

    async def __call__(
        self, session: AsyncSession, app: str, fields: Mapping[str, str], at: datetime
    ) -> None:
        tally = Tally()
        key = await count_contact_change(session, app, fields, at, tally)
        await tally.write(session)
        if key is None or fields.get("ChangeType") != "add_external_contact":
            return
        channel = self._table().get(key)
        rota = channel.wecom.rota if channel and channel.wecom else None
        staff = fields.get("UserID", "")
        if rota is None or not rota.cap or staff not in rota.everyone():
            return
        if (await adds_today(session, key, at)).get(staff, 0) >= rota.cap:
            # Once per person, channel and day: the job takes them off the code now.
            job = CHANNEL_CODES.request(
                "channels", EnsureCodes(key), dedup_key=f"channel.cap:{key}:{staff}:{local_day(at)}"
            )
            await insert_unless_exists(session, OutboxJob, job_rows([job], at)[0], ("dedup_key",))
