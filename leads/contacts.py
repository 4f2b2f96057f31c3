"""Customers added in WeCom ("contact me" links) joined to their profile and lead."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leads.jobs import CONTACT_ADDED, ContactAdded
from leads.lifecycle import OPEN_STATES
from leads.limits import (
    CONTACT_ADDED_POINTS,
    CONTACT_ADDED_TAG,
    CONTACT_STATE_TAG_PREFIX,
)
from leads.policy import LeadPolicy
from storage import leads_repo as repo
from storage.models import Identity
from storage.outbox import add_jobs
from storage.profile_tags import grant_points, grant_tags
from storage.records import PointGrant, TagGrant
from storage.wecom_contacts import CONTACT_WAY_SOURCE, link_external_contact
from storage.wecom_contacts import EXTERNAL_USERID as EXTERNAL

log = logging.getLogger(__name__)

# Told of a customer who arrived through a contact way: (session, profile, state, at).
OnArrival = Callable[[AsyncSession, int, str, datetime], Awaitable[None]]


class ContactLinker:
    """Links an external contact to a profile (by unionid), tags it and notes it on the lead."""

    def __init__(
        self,
        policy: LeadPolicy,
        clock: Callable[[], datetime],
        on_added: Callable[[AsyncSession, int], Awaitable[None]] | None = None,
        on_arrival: OnArrival | None = None,
    ) -> None:
        self.policy = policy
        self._clock = clock
        # Told of each new contact in the same transaction (journeys start on it).
        self._on_added = on_added
        # Told of each add through a contact way, in the same transaction (the channel's
        # tags, points and figures).
        self._on_arrival = on_arrival

    async def added(
        self,
        session: AsyncSession,
        userid: str,
        external_userid: str,
        state: str,
        contact: Mapping[str, object],
    ) -> int:
        """Handle `add_external_contact` with `externalcontact/get`'s answer; the profile id."""
        app = self.policy.wecom
        known = await session.scalar(
            select(Identity.subscribed).where(
                Identity.kind == EXTERNAL, Identity.app == app, Identity.value == external_userid
            )
        )
        profile_id = await link_external_contact(
            session,
            app,
            external_userid,
            at=self._clock(),
            unionid=_detail(contact, "unionid"),
            staff_userid=userid,
            state=state or None,
            name=_detail(contact, "name"),
        )
        source = f"{CONTACT_WAY_SOURCE}{state or '-'}"
        if not known:
            # First add (or re-add after a delete): the "contact me" tags and points.
            tags = [TagGrant(CONTACT_ADDED_TAG, source)]
            if state:
                tags.append(TagGrant(CONTACT_STATE_TAG_PREFIX + state, source, "attribute"))
            now = self._clock()
            await grant_tags(session, [(profile_id, tag) for tag in tags], at=now)
            await grant_points(
                session, [(profile_id, PointGrant(CONTACT_ADDED_POINTS, source))], at=now
            )
        await session.execute(
            update(Identity)
            .where(
                Identity.kind == EXTERNAL, Identity.app == app, Identity.value == external_userid
            )
            .values(subscribed=True)
        )
        if state and self._on_arrival is not None:
            await self._on_arrival(session, profile_id, state, self._clock())
        await self._note_on_lead(session, profile_id, userid, external_userid, state)
        if self._on_added is not None and not known:
            await self._on_added(session, profile_id)
        return profile_id

    async def _note_on_lead(
        self, session: AsyncSession, profile_id: int, userid: str, external: str, state: str
    ) -> None:
        await repo.lock_assignments(session)  # before the lead's row: see `LeadTimers.sweep`
        lead = await repo.lead_of_profile(session, profile_id)
        if lead is None:
            return
        now = self._clock()
        lead.external_userid = external
        lead.active_at = now
        if (
            lead.owner is None
            and lead.state in OPEN_STATES
            and self.policy.team.takes_leads(userid)
        ):
            # Whoever the customer added is the natural owner of a pool lead.
            lead.owner = userid
            lead.assigned_at = lead.claimed_at = lead.followed_up_at = now
        await repo.add_event(session, lead, "contact_added", userid, now, detail=state or None)
        log.info("lead #%d: customer added %s in WeCom", lead.id, userid)

    async def changed(self, session: AsyncSession, fields: Mapping[str, str]) -> None:
        """A `change_external_contact` callback, applied behind its answer."""
        change = fields.get("ChangeType", "")
        userid, external = fields.get("UserID", ""), fields.get("ExternalUserID", "")
        if not external:
            return
        if change == "add_external_contact":
            # The unionid needs `externalcontact/get`: an API call, so through the outbox.
            added = ContactAdded(userid, external, fields.get("State", ""))
            add_jobs(session, [CONTACT_ADDED.request(self.policy.wecom, added)], self._clock())
        elif change in ("del_external_contact", "del_follow_user"):
            await self.removed(session, userid, external, change)

    async def removed(
        self, session: AsyncSession, userid: str, external_userid: str, change: str
    ) -> None:
        """`del_external_contact` (staff removed) or `del_follow_user` (customer removed)."""
        identity = await session.scalar(
            select(Identity).where(
                Identity.kind == EXTERNAL,
                Identity.app == self.policy.wecom,
                Identity.value == external_userid,
            )
        )
        if identity is None:
            return
        identity.subscribed = False
        lead = await repo.lead_of_profile(session, identity.profile_id)
        if lead is not None:
            await repo.add_event(
                session, lead, "contact_deleted", userid, self._clock(), detail=change
            )


def _detail(contact: Mapping[str, object], key: str) -> str | None:
    """One field of `externalcontact/get`'s `external_contact` (unionid, name)."""
    details = contact.get("external_contact")
    if isinstance(details, dict):
        value = details.get(key)
        return str(value) if value else None
    return None
