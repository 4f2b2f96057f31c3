"""Deliver what the fake owes the bot: its `transfer_fail` callbacks, as WeCom sends them.

The fake (`fakewechat.transfer_book`) records a failure when a customer refuses or the
receiver is at its limit; it makes no HTTP calls of its own. Tests and the simulator
turn each into a signed, encrypted callback with the app's player and post it.
"""

from __future__ import annotations

from bot.testing.wechat_player import Callback
from bot.testing.wecom_player import WeComPlayer
from fakewechat.state import FakeWeChat


def owed_transfer_fails(fake: FakeWeChat, player: WeComPlayer) -> list[Callback]:
    """The failures not delivered yet, each as the callback WeCom would post (handed once)."""
    return [
        player.callback(player.transfer_fail(f.userid, f.external_userid, f.reason))
        for f in fake.transfer_book.take_failures()
    ]
