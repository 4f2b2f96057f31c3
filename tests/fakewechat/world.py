"""A small configured fake world shared by the fake's and the client's tests."""

from __future__ import annotations

from fakewechat import FakeClock, FakeWeChat

APPID = "wx0000000000000001"
APP_SECRET = "oa-secret"
CORPID = "ww0000000000000001"
AGENTID = 1000002
CORP_SECRET = "corp-secret"
ROBOT_KEY = "robot-key-1"
OPENIDS = [f"o{i:04d}" for i in range(120)]
UNIONID = "union-0"


def build_world(clock: FakeClock) -> FakeWeChat:
    """One account with 120 followers (the first bound to a unionid), one corp, one robot."""
    state = FakeWeChat(clock=clock)
    state.add_account(APPID, APP_SECRET)
    for i, openid in enumerate(OPENIDS):
        state.add_follower(APPID, openid, unionid=UNIONID if i == 0 else None)
    state.add_corp(CORPID, {AGENTID: CORP_SECRET}, members={"alice", "bob"})
    state.add_external_contact("wmCustomer1", "客户甲", followers=["alice"])
    state.add_webhook(ROBOT_KEY)
    return state
