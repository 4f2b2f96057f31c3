"""The admin site's tests: the fake API also hosts the sales corp the lead pages need."""

from __future__ import annotations

import pytest

from fakewechat.state import FakeWeChat
from tests.leads.conftest import AGENT_ID, CORP_ID, CORP_SECRET, STAFF


@pytest.fixture
def fake_state(fake_state: FakeWeChat) -> FakeWeChat:
    fake_state.add_corp(CORP_ID, {AGENT_ID: CORP_SECRET}, members=STAFF)
    return fake_state
