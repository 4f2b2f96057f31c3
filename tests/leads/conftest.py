"""Fixtures for the leads feature: a WeCom corp in the fake, a controllable clock, the bot."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.config.settings import Settings
from bot.testing.wecom_player import WeComPlayer
from fakewechat.state import FakeWeChat
from tests.conftest import ClientFactory, ConfigWriter
from tests.leads.helpers import LeadsBot, ShiftedClock

CORP_ID = "ww0123456789abcdef"
AGENT_ID = 1000002
CORP_SECRET = "test-corp-secret"
WECOM_TOKEN = "wecom-token"
WECOM_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
STAFF = {"zhangsan", "lisi", "wangwu", "boss", "outsider"}

LEADS_TOML = f"""
[[wecom]]
name = "sales"
corp_id = "{CORP_ID}"
agent_id = {AGENT_ID}
secret = "{CORP_SECRET}"
token = "{WECOM_TOKEN}"
encoding_aes_key = "{WECOM_AES_KEY}"
api_base = "{{fake_api}}"

[leads]
wecom = "sales"
qualify_score = 100
phone_score = 50
claim_minutes = 30
dormant_days = 90
daily_claim_cap = 3
transfer_message = "您好，您的顾问已更换。"

[[leads.sales]]
userid = "zhangsan"
name = "张三"
tags = ["上海"]
manager = "boss"

[[leads.sales]]
userid = "lisi"
name = "李四"
manager = "boss"

[[leads.sales]]
userid = "wangwu"
name = "王五"
max_open = 1
"""

# The example: A = test-drive intent or expo channel with score >= 150 (urgent);
# B = score >= 120; C = a phone, nothing else (nurtured, not pushed).
GRADES_TOML = """
[[leads.grades]]
name = "A"
urgency = "urgent"
claim_minutes = 10
  [[leads.grades.when]]
  min_score = 150
  any_tags = ["试驾意向"]
  [[leads.grades.when]]
  min_score = 150
  channels = ["spring_expo"]

[[leads.grades]]
name = "B"
min_score = 120

[[leads.grades]]
name = "C"
phone = true
push = false
"""


@pytest.fixture
def fake_state(fake_state: FakeWeChat) -> FakeWeChat:
    fake_state.add_corp(CORP_ID, {AGENT_ID: CORP_SECRET}, members=STAFF)
    return fake_state


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture
def leads_settings(write_config: ConfigWriter) -> Settings:
    return write_config(extra=LEADS_TOML)


@pytest.fixture
def wecom(clock: ShiftedClock) -> WeComPlayer:
    return WeComPlayer(WECOM_TOKEN, CORP_ID, WECOM_AES_KEY, AGENT_ID, clock=clock.epoch)


@pytest.fixture
async def leads_bot(
    leads_settings: Settings,
    aiohttp_client: ClientFactory,
    clock: ShiftedClock,
    fake_state: FakeWeChat,
    wecom: WeComPlayer,
) -> LeadsBot:
    client = await aiohttp_client(create_app(leads_settings, clock=clock))
    return LeadsBot(client, fake_state, wecom, clock)
