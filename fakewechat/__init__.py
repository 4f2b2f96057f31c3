"""A faithful fake of the WeChat Official Account and WeCom HTTP APIs.

Used by the tests, the local simulator and the benchmarks, since the real
servers are unreachable from here. Build a `FakeWeChat`, configure accounts,
followers and corps on it, serve `create_fake_app(state)`, and assert on the
state's call log and sent-message lists.
"""

from fakewechat.app import STATE_KEY, create_fake_app
from fakewechat.clock import FakeClock
from fakewechat.state import FakeWeChat

__all__ = ["STATE_KEY", "FakeClock", "FakeWeChat", "create_fake_app"]
