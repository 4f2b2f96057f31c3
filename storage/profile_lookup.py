"""Finding a profile the way ops name a person: an id, a phone number, or any identity."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Identity, Profile
from storage.profiles import canonical_id

_ID = re.compile(r"^#?(\d{1,10})$")
_PHONE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_SEPARATORS = re.compile(r"[\s\-()]")


async def find_profile(session: AsyncSession, query: str) -> int | None:
    """The live profile for `query`: `#12`/`12` (id), a mobile number, or an openid,
    external_userid, WeChat ID or unionid. Merged profiles resolve to their survivor.
    """
    query = query.strip()
    compact = _SEPARATORS.sub("", query)
    phone = _PHONE.match(compact)
    if phone is not None:
        found = await session.scalar(
            select(Profile.id)
            .where(Profile.phone == phone.group(1), Profile.merged_into_id.is_(None))
            .order_by(Profile.id)
            .limit(1)
        )
        if found is not None:
            return found
    by_id = _ID.match(query)
    if by_id is not None and await session.get(Profile, int(by_id.group(1))) is not None:
        return await canonical_id(session, int(by_id.group(1)))
    identity = await session.scalar(
        select(Identity.profile_id).where(Identity.value == query).order_by(Identity.id).limit(1)
    )
    if identity is None:
        identity = await session.scalar(select(Profile.id).where(Profile.unionid == query))
    return None if identity is None else await canonical_id(session, identity)
