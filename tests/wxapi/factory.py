"""Types of the factory fixtures in this directory's conftest."""

from collections.abc import Callable

from wxapi import OfficialAccountClient

# make_oa(cache, **overrides) → a client for one simulated process.
OaFactory = Callable[..., OfficialAccountClient]
