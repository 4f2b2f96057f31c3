"""A hand-over through `wxbot team handover` (and `TeamOps`, the site's path) moves the
leads AND queues their customers' WeCom transfers, which end done on the fake's clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.app_keys import CACHE, CUSTOMER_MOVER, OUTBOX_WORKER, POLICY, SESSIONS
from bot.config.settings import Settings
from bot.ops.team_ops import TeamOps
from storage.lead_models import Lead
from storage.models import Profile
from storage.team.transfers import TransferView, transfers_for_handover
from tests.leads.helpers import LeadsBot, eventually
from tests.team.test_team_cli import later, team

HOURS_PAST_TAKEOVER = 25  # WeCom completes the takeover 24 h after the call


async def _leads_of(bot: LeadsBot, owner: str, customers: list[str | None]) -> list[int]:
    """Open leads of `owner`, each with its WeCom customer (None: no customer known)."""
    now = datetime.now(UTC)
    made = []
    async with bot.client.app[SESSIONS].begin() as session:
        for external in customers:
            profile = Profile(created_at=now, updated_at=now)
            session.add(profile)
            await session.flush()
            lead = Lead(profile_id=profile.id, state="contacting", owner=owner, active_at=now,
                        external_userid=external, created_at=now)  # fmt: skip
            session.add(lead)
            await session.flush()
            made.append(lead.id)
            if external is not None:
                bot.fake.add_external_contact(external, "客户", followers=[owner])
    return made


async def _transfers(bot: LeadsBot, handover_id: int) -> list[TransferView]:
    async with bot.client.app[SESSIONS]() as session:
        return await transfers_for_handover(session, handover_id)


async def _owners(bot: LeadsBot, lead_ids: list[int]) -> list[str | None]:
    async with bot.client.app[SESSIONS]() as session:
        rows = await session.scalars(select(Lead).where(Lead.id.in_(lead_ids)).order_by(Lead.id))
        return [lead.owner for lead in rows]


async def _all_end(bot: LeadsBot, handover_id: int, state: str, count: int) -> None:
    """The bot's own outbox runs the sends and polls (woken, as its poll would)."""

    async def probe() -> bool:
        bot.client.app[OUTBOX_WORKER].wake()
        views = await _transfers(bot, handover_id)
        return len(views) == count and all(view.state == state for view in views)

    await eventually(probe)


def _share_the_clock(bot: LeadsBot) -> None:
    # The fake's 24 h takeover runs on the bot's (shifted) clock.
    bot.fake.clock = bot.clock.epoch


async def test_wxbot_team_handover_of_someone_who_left_moves_leads_and_customers(
    leads_bot: LeadsBot, leads_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _share_the_clock(leads_bot)
    leads = await _leads_of(leads_bot, "zhangsan", ["wmA", "wmB", None])
    assert (await asyncio.to_thread(team, leads_settings, capsys, "leave", "zhangsan",
                                    "--left", "--by", "boss"))[0] == 0  # fmt: skip
    leads_bot.fake.transfer_book.resign("zhangsan")  # gone from the corp in WeCom too
    status, out, _ = await asyncio.to_thread(
        team, leads_settings, capsys, "handover", "zhangsan", "--to", "lisi", "--by", "boss"
    )
    assert status == 0, out
    assert out.startswith("hand-over #1: 3 open leads of zhangsan")
    assert await _owners(leads_bot, leads) == ["lisi", "lisi", "lisi"]
    queued = await _transfers(leads_bot, 1)
    # The lead with no WeCom customer moves no customer; the others go as resigned.
    assert sorted(view.external_userid for view in queued) == ["wmA", "wmB"]
    assert {(view.from_userid, view.to_userid, view.employed) for view in queued} == {
        ("zhangsan", "lisi", False)
    }
    await _all_end(leads_bot, 1, "waiting", 2)
    assert leads_bot.fake.calls_to("/cgi-bin/externalcontact/resigned/transfer_customer")
    leads_bot.clock.advance(hours=HOURS_PAST_TAKEOVER)
    await _all_end(leads_bot, 1, "done", 2)
    assert {tuple(leads_bot.fake.external_contacts[ext].followers) for ext in ("wmA", "wmB")} == {
        ("lisi",)
    }


async def test_a_handover_from_someone_on_leave_is_an_employed_transfer_with_the_message(
    leads_bot: LeadsBot,
) -> None:
    """The site's path: `TeamOps` with the app's mover (the `[leads]` message is the config's)."""
    _share_the_clock(leads_bot)
    app = leads_bot.client.app
    ops = TeamOps(app[POLICY], app[SESSIONS], app[CACHE], clock=leads_bot.clock,
                  mover=app[CUSTOMER_MOVER])  # fmt: skip
    await ops.leave("boss", "zhangsan", date.fromisoformat(later(5)))
    leads = await _leads_of(leads_bot, "zhangsan", ["wmC"])
    done = await ops.handover("boss", "zhangsan", to="lisi", reason="休假")
    assert dict(done.owners) == {leads[0]: "lisi"}
    [view] = await _transfers(leads_bot, done.handover_id)
    assert (view.external_userid, view.employed) == ("wmC", True)
    await _all_end(leads_bot, done.handover_id, "waiting", 1)
    [call] = leads_bot.fake.calls_to("/cgi-bin/externalcontact/transfer_customer")
    assert call.body is not None and call.body["handover_userid"] == "zhangsan"
    assert call.body["transfer_success_msg"] == "您好，您的顾问已更换。"  # [leads] transfer_message
    leads_bot.clock.advance(hours=HOURS_PAST_TAKEOVER)
    await _all_end(leads_bot, done.handover_id, "done", 1)


async def test_a_failed_transfer_is_told_to_the_manager_the_team_table_names(
    leads_bot: LeadsBot,
) -> None:
    """The config's seed names boss as 李四's manager; the table, changed live, names
    outsider: the notice of the failure goes where the team says now."""
    app = leads_bot.client.app
    ops = TeamOps(app[POLICY], app[SESSIONS], app[CACHE], clock=leads_bot.clock,
                  mover=app[CUSTOMER_MOVER])  # fmt: skip
    await ops.edit("olga", "lisi", manager="outsider")

    async def live() -> bool:
        rep = app[POLICY].rep("lisi")
        return rep is not None and rep.manager == "outsider"

    await eventually(live)
    [lead_id] = await _leads_of(leads_bot, "zhangsan", ["wmNotHis"])
    leads_bot.fake.external_contacts["wmNotHis"].followers.clear()  # not zhangsan's in WeCom
    done = await ops.handover("boss", "zhangsan", to="lisi")
    await _all_end(leads_bot, done.handover_id, "no_record", 1)

    async def told() -> list[str] | None:
        app[OUTBOX_WORKER].wake()
        return [text for text in leads_bot.texts_to("outsider") if f"#{lead_id}" in text] or None

    await eventually(told)
    assert not [text for text in leads_bot.texts_to("boss") if f"#{lead_id}" in text]
