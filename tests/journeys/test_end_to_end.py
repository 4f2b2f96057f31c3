"""The issue's example end to end, and every trigger, through the bot and the fake WeChat API.

"Clicked the price menu and left no phone number: two hours later send the price
sheet; three days later, still no lead, send a test-drive invitation; the moment
they become a lead, stop."
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Background, create_app
from bot.app_keys import EFFECTS, JOURNEYS, OUTBOX_WORKER, SESSIONS
from bot.testing.wechat_player import WeChatPlayer
from bot.testing.wecom_player import WeComPlayer
from fakewechat.state import FakeWeChat
from journeys.campaigns import start_segment
from journeys.expressions import parse_expression
from storage.journey_models import JourneyRun
from storage.models import OutboxJob
from tests.bot.helpers import BotClient, exchange
from tests.conftest import AES_KEY, APP_ID, TOKEN, ClientFactory, ConfigWriter
from tests.journeys.world import ManualClock
from tests.leads.conftest import (
    AGENT_ID,
    CORP_ID,
    GRADES_TOML,
    LEADS_TOML,
    WECOM_AES_KEY,
    WECOM_TOKEN,
)
from tests.leads.helpers import eventually

JOURNEYS_TOML = """
[[template]]
name = "drive_invite"
template_id = "TPL_DRIVE"
data = { first = "邀请您预约试驾" }

[[journey]]
name = "price_nurture"
trigger = "click:MENU_PRICE"
when = "!phone"
exit = "lead:any | unsubscribed"
  [[journey.step]]
  wait = "2h"
  action = "text"
  text = "价格表：https://example.com/price"
  [[journey.step]]
  wait = "3d"
  when = "lead:none"
  action = "text"
  text = "邀请您预约试驾"
  template = "drive_invite"

[[journey]]
name = "said_hello"
trigger = "rule:hello"
  [[journey.step]]
  action = "add_tags"
  tags = ["打过招呼"]

[[journey]]
name = "asked_price"
trigger = "tag:询价"
  [[journey.step]]
  action = "add_points"
  points = 1

[[journey]]
name = "expo_welcome"
trigger = "follow:spring_expo"
  [[journey.step]]
  wait = "1h"
  action = "text"
  text = "车展同款试驾已为您预留"

[[journey]]
name = "new_lead"
trigger = "lead:new"
  [[journey.step]]
  wait = "next day at 10:00"
  action = "remind"
  text = "新线索，请今天联系"

[[journey]]
name = "grade_b"
trigger = "grade:B"
  [[journey.step]]
  action = "add_tags"
  tags = ["B级培育"]

[[journey]]
name = "intent_call"
trigger = "lead:intent"
  [[journey.step]]
  action = "remind"
  text = "客户意向明确，请今天约到店"

[[journey]]
name = "contact_welcome"
trigger = "contact_added"
  [[journey.step]]
  action = "add_tags"
  tags = ["企微欢迎"]

[[journey]]
name = "nurture_c"
trigger = "segment"
  [[journey.step]]
  wait = "1d"
  action = "add_points"
  points = 5

[[journey]]
name = "campaign"
trigger = "segment"
  [[journey.step]]
  action = "text"
  text = "春季活动"
"""


@dataclass
class JourneyBot:
    client: BotClient
    fake: FakeWeChat
    clock: ManualClock
    player: WeChatPlayer
    wecom: WeComPlayer

    async def staff_says(self, userid: str, text: str) -> str:
        callback = self.wecom.callback(self.wecom.text(userid, text))
        response = await self.client.post("/wecom/sales", params=callback.query, data=callback.body)
        assert response.status == 200, await response.text()
        return self.wecom.read_reply(await response.text()).get("Content", "")

    async def says(self, openid: str, text: str) -> None:
        await exchange(self.client, self.player, self.player.text(openid, text))

    async def event(self, openid: str, event: str, key: str | None = None) -> None:
        await exchange(self.client, self.player, self.player.event(openid, event, key))

    async def settled(self) -> None:
        """Until every stored event is applied and the outbox has nothing due (sends all ran)."""
        app = self.client.app
        while await app[EFFECTS].drain() + await app[OUTBOX_WORKER].run_once():
            pass
        async with app[SESSIONS]() as session:
            pending = await session.scalars(
                select(OutboxJob.id).where(
                    OutboxJob.status == "pending", OutboxJob.next_attempt_at <= self.clock()
                )
            )
            assert not list(pending)

    async def tick(self, **delta: float) -> None:
        """Move time on, fire what came due, and let the sends go out."""
        self.clock.advance(**delta)
        scheduler = self.client.app[JOURNEYS].scheduler
        assert scheduler is not None
        while await scheduler.run_once():
            pass
        await self.settled()

    async def runs(self) -> dict[str, JourneyRun]:
        async with self.client.app[SESSIONS]() as session:
            rows = await session.scalars(select(JourneyRun).order_by(JourneyRun.id))
            return {run.journey + ":" + str(run.profile_id): run for run in rows}

    def texts_to(self, openid: str) -> list[str]:
        return [
            str(m.payload["text"]["content"])
            for m in self.fake.custom_messages
            if m.openid == openid and m.msgtype == "text"
        ]


@pytest.fixture
async def journey_bot(
    write_config: ConfigWriter,
    aiohttp_client: ClientFactory,
    fake_state: FakeWeChat,
    clock: ManualClock,
    tmp_path: Path,
) -> JourneyBot:
    # The follower's WeChat stamps callbacks with the bot's (test) time.
    player = WeChatPlayer(TOKEN, APP_ID, AES_KEY, clock=lambda: clock().timestamp())
    (tmp_path / "journeys.toml").write_text(JOURNEYS_TOML, encoding="utf-8")
    settings = write_config(
        extra=LEADS_TOML
        + GRADES_TOML.replace("push = false", 'push = false\njourney = "nurture_c"')
        + '\n[journeys]\nfile = "journeys.toml"\n'
    )
    for openid in ("o_browse", "o_converts", "o_hello", "o_expo", "o_campaign", "o_b"):
        fake_state.add_follower(APP_ID, openid)
    # Each piece is driven by hand, on the test's clock: events, steps, sends.
    app = create_app(settings, clock=clock, background=Background.nothing())
    client = await aiohttp_client(app)
    wecom = WeComPlayer(
        WECOM_TOKEN, CORP_ID, WECOM_AES_KEY, AGENT_ID, clock=lambda: clock().timestamp()
    )
    return JourneyBot(client, fake_state, clock, player, wecom)


async def test_price_menu_then_sheet_then_invitation(journey_bot: JourneyBot) -> None:
    bot = journey_bot
    await bot.event("o_browse", "CLICK", "MENU_PRICE")
    await bot.settled()
    assert len(await bot.runs()) == 1
    await bot.tick(hours=1, minutes=59)
    assert bot.texts_to("o_browse") == []  # the menu click got its passive reply only
    await bot.tick(minutes=1)
    assert bot.texts_to("o_browse")[-1] == "价格表：https://example.com/price"
    await bot.tick(days=3)
    assert bot.texts_to("o_browse")[-1] == "邀请您预约试驾"
    [run] = [r for r in (await bot.runs()).values() if r.journey == "price_nurture"]
    assert run.status == "done"


async def test_becoming_a_lead_stops_the_journey_at_once(journey_bot: JourneyBot) -> None:
    bot = journey_bot
    await bot.event("o_converts", "CLICK", "MENU_PRICE")
    await bot.settled()
    await bot.tick(hours=2)
    assert bot.texts_to("o_converts")[-1] == "价格表：https://example.com/price"
    await bot.says("o_converts", "电话13800138000")  # a lead now (grade C)
    await bot.settled()
    runs = await bot.runs()
    [price] = [r for r in runs.values() if r.journey == "price_nurture"]
    assert (price.status, price.exit_reason) == ("exited", "exit: lead:any")
    assert any(r.journey == "new_lead" for r in runs.values())  # lead:new triggered
    assert any(r.journey == "nurture_c" for r in runs.values())  # grade C's own journey
    sent = len(bot.texts_to("o_converts"))
    await bot.tick(days=3)
    assert len(bot.texts_to("o_converts")) == sent  # no invitation after the exit


async def test_rule_tag_follow_and_grade_triggers(journey_bot: JourneyBot) -> None:
    bot = journey_bot
    await bot.says("o_hello", "你好")  # rule hello
    await bot.says("o_b", "价格多少")  # rule price: tag 询价
    for _ in range(3):
        await bot.says("o_b", "多少钱")  # 120 points: grade B
    await bot.event("o_expo", "subscribe", "qrscene_spring_expo")
    await bot.settled()
    await bot.tick(minutes=1)
    started = {run.journey for run in (await bot.runs()).values()}
    assert {"said_hello", "asked_price", "expo_welcome", "grade_b"} <= started
    await bot.tick(hours=1)
    assert bot.texts_to("o_expo")[-1] == "车展同款试驾已为您预留"


async def test_a_segment_enters_a_campaign_now(journey_bot: JourneyBot) -> None:
    bot = journey_bot
    await bot.says("o_campaign", "价格多少")  # tag 询价
    await bot.says("o_hello", "你好")
    await bot.settled()
    runtime = bot.client.app[JOURNEYS]
    journey = runtime.catalog.get("campaign")
    assert journey is not None
    matched, entered = await start_segment(
        bot.client.app[SESSIONS],
        runtime.engine,
        journey,
        parse_expression("tag:询价 & !phone"),
        trigger="segment",
    )
    assert (matched, entered) == (1, 1)
    await bot.tick(minutes=1)
    assert bot.texts_to("o_campaign")[-1] == "春季活动"
    assert "春季活动" not in bot.texts_to("o_hello")


async def test_a_lead_state_set_by_sales_starts_a_journey(journey_bot: JourneyBot) -> None:
    bot = journey_bot
    for _ in range(4):
        await bot.says("o_b", "价格多少")  # 120 points: a B lead, pushed to zhangsan
    await bot.settled()
    lead_id = next(
        int(m.payload["template_card"]["button_list"][0]["key"].split(":")[1])
        for m in bot.fake.wecom_messages
        if m.msgtype == "template_card"
    )
    assert "明确意向" in await bot.staff_says("zhangsan", f"状态 {lead_id} intent")
    await bot.tick(minutes=1)
    reminders = [
        m.payload["text"]["content"] for m in bot.fake.wecom_messages if m.msgtype == "text"
    ]
    assert f"线索 #{lead_id} 客户意向明确，请今天约到店" in reminders


async def test_a_wecom_contact_added_starts_a_journey(journey_bot: JourneyBot) -> None:
    bot = journey_bot
    bot.fake.add_external_contact("wm_j", "客户", ["lisi"])
    callback = bot.wecom.callback(
        bot.wecom.contact_change("add_external_contact", "lisi", "wm_j", "spring_expo")
    )
    response = await bot.client.post("/wecom/sales", params=callback.query, data=callback.body)
    assert response.status == 200
    await bot.settled()

    async def started() -> list[JourneyRun] | None:
        runs = [r for r in (await bot.runs()).values() if r.journey == "contact_welcome"]
        return runs or None

    [run] = await eventually(started)
    await bot.tick(minutes=1)
    assert (await bot.runs())[f"contact_welcome:{run.profile_id}"].status == "done"
