"""WeCom adds through a channel's contact-me code: counted per channel and staff member in
the WeCom stream's transaction (an add that takes someone to the rota's daily cap
re-staffs the code at once); once the customer's profile is known (the contact-added
job), the arrival itself: the channel's tags and points, its member row, "tagged"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from channels.attribution import arrive, count_contact_change
from channels.jobs import CHANNEL_CODES, EnsureCodes
from channels.model import ChannelTable
from channels.tagged import mark_tagged
from storage.channels.tallies import Tally, adds_today
from storage.local_days import local_day
from storage.outbox import add_jobs_once


class ChannelContacts:
    """Called for every `change_external_contact` the effects stage applies, and for
    every customer linked to a profile after an add through a contact way (`arrived`)."""

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
            await add_jobs_once(session, [job], at)

    async def arrived(self, session: AsyncSession, profile_id: int, key: str, at: datetime) -> None:
        """The customer behind an add through `key`'s code has a profile now: what arriving
        gives, as for a scan of the channel's QR code. Its tags reach the relation as corp
        tags with the rest of the profile's (the link queues the profile's full mirror)."""
        await arrive(session, self._table(), profile_id, key, at)
        tally = Tally()
        # Already tagged by what they did before adding (a follower who messaged the OA).
        await mark_tagged(session, [profile_id], at, tally)
        await tally.write(session)
