"""The names people read for the keys the data stores: salespeople, channels, actors.

Salespeople are named by the live team (`bot.runtime.team`), channels through the
site's one `ChannelLabel`. A key with no name reads as itself; None (the pool, no channel) is
for the page to put in words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from bot.admin.channels import ChannelLabel
from bot.admin.keys import SITE
from bot.app_keys import POLICY, SETTINGS
from leads.policy import LeadPolicy


@dataclass(frozen=True)
class Names:
    policy: LeadPolicy | None
    channel_label: ChannelLabel
    channel_group: Callable[[str | None], str] | None = None

    def salesperson(self, userid: str | None) -> str | None:
        if userid is None:
            return None
        rep = self.policy.rep(userid) if self.policy is not None else None
        return rep.name if rep is not None else userid

    def channel(self, key: str | None) -> str | None:
        return None if not key else self.channel_label(key)

    def group(self, key: str | None) -> str:
        """The channel's group ("" for none)."""
        return self.channel_group(key) if self.channel_group is not None and key else ""

    def team(self) -> list[tuple[str, str]]:
        """(userid, name) of every salesperson, in the team's order."""
        return [(rep.userid, rep.name) for rep in self.policy.team.reps] if self.policy else []

    def takers(self) -> list[tuple[str, str]]:
        """(userid, name) of those who take leads now (not on leave, not gone)."""
        team = self.policy.team.available() if self.policy else ()
        return [(rep.userid, rep.name) for rep in team]


def live_policy(request: web.Request) -> LeadPolicy | None:
    """The lead rules with the team as it is now (the settings' seed when no bot runs)."""
    config = request.config_dict
    return config[POLICY] if POLICY in config else config[SETTINGS].leads


def names(request: web.Request) -> Names:
    channels = request.config_dict[SITE].channels
    return Names(live_policy(request), channels, channels.group)
