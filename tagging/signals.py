"""Signals beyond keyword rows: follows, unfollows, QR channels, phones and WeChat IDs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.event_batch import StoredEvent
from storage.models import Identity, Profile
from storage.outbox import add_jobs
from storage.profile_tags import add_points, add_tag, remove_tag
from storage.profiles import link_phone
from storage.timeline import CHANNEL, SUBSCRIBED, UNSUBSCRIBED, WECHAT_ID, Change, record
from storage.upsert import insert_unless_exists
from tagging.contacts import extract_contacts
from tagging.rule_kinds import Changes
from tagging.rules import Category, RuleSet
from tagging.sync_jobs import fetch_unionid_job

# WeChat IDs people leave are kept as identities of this kind (app "wechat").
WECHAT_ID_IDENTITY = "wechat_id"


async def apply_signals(
    rules: RuleSet,
    session: AsyncSession,
    event: StoredEvent,
    profile_id: int,
    *,
    now: datetime,
    changes: Changes,
) -> int:
    """Follows, unfollows, channels and contact details; the (maybe merged) profile id."""
    source = f"event:{event.id}"
    unsubscribe = rules.unsubscribe
    if event.event == "subscribe":
        await record(
            session, profile_id, Change(SUBSCRIBED, now, source=source, detail=event.event_key)
        )
        if unsubscribe.tag:
            changes.remove(
                unsubscribe.tag,
                await remove_tag(session, profile_id, unsubscribe.tag, source=source, at=now),
            )
        profile = await session.get(Profile, profile_id)
        if profile is not None and profile.unionid is None:
            add_jobs(session, [fetch_unionid_job(event.account, event.openid)], now)
    elif event.event == "unsubscribe":
        await record(session, profile_id, Change(UNSUBSCRIBED, now, source=source))
        if unsubscribe.tag:
            await _tag(
                session,
                changes,
                profile_id,
                unsubscribe.tag,
                category=Category.ATTRIBUTE,
                source="unsubscribe",
                now=now,
            )
        await add_points(session, profile_id, unsubscribe.points, reason="unsubscribe", at=now)
    if event.event in {"subscribe", "scan"} and event.event_key:
        await record(
            session, profile_id, Change(CHANNEL, now, source=source, detail=event.event_key)
        )
    if event.msg_type in {"text", "voice"} and event.content:
        profile_id = await _contacts(rules, session, event, profile_id, now=now, changes=changes)
    return profile_id


async def _tag(
    session: AsyncSession,
    changes: Changes,
    profile_id: int,
    tag: str,
    *,
    category: Category,
    source: str,
    now: datetime,
) -> None:
    """Give a tag and note it for mirroring when it is new."""
    added = await add_tag(session, profile_id, tag, category=category, source=source, at=now)
    changes.add(tag, added)


async def _contacts(
    rules: RuleSet,
    session: AsyncSession,
    event: StoredEvent,
    profile_id: int,
    *,
    now: datetime,
    changes: Changes,
) -> int:
    found = extract_contacts(event.content or "")
    rule = rules.contact
    source = f"message:{event.id}"
    for phone in found.phones:
        before = await session.scalar(select(Profile.phone).where(Profile.id == profile_id))
        merge = await link_phone(session, profile_id, phone, at=now, source=source)
        if merge is not None:
            profile_id, changes.full_sync = merge.survivor, True
        if rule.phone_tag:
            await _tag(
                session,
                changes,
                profile_id,
                rule.phone_tag,
                category=Category.BEHAVIOR,
                source="phone",
                now=now,
            )
        if before != phone:
            await add_points(session, profile_id, rule.phone_points, reason="phone", at=now)
    for wechat_id in found.wechat_ids:
        values = {
            "profile_id": profile_id,
            "kind": WECHAT_ID_IDENTITY,
            "app": "wechat",
            "value": wechat_id,
            "created_at": now,
            "last_seen_at": now,
        }
        table = Identity
        if await insert_unless_exists(session, table, values, ("kind", "app", "value")) is None:
            continue
        await record(session, profile_id, Change(WECHAT_ID, now, source=source, detail=wechat_id))
        if rule.wechat_id_tag:
            await _tag(
                session,
                changes,
                profile_id,
                rule.wechat_id_tag,
                category=Category.BEHAVIOR,
                source="wechat_id",
                now=now,
            )
        await add_points(session, profile_id, rule.wechat_id_points, reason="wechat_id", at=now)
    return profile_id
