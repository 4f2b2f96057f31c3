"""Changes of the team made at the same moment, checked against each other."""

from __future__ import annotations

import asyncio

from bot.app_keys import CACHE, POLICY, SESSIONS
from bot.ops.team_ops import TeamOps, TeamOpsError
from tests.leads.helpers import LeadsBot


async def test_two_managers_at_once_cannot_make_a_circle_of_managers(leads_bot: LeadsBot) -> None:
    # Each change alone is fine; together they make lisi and zhangsan each other's
    # manager, which only a check that sees the other's change can refuse.
    app = leads_bot.client.app
    ops = TeamOps(app[POLICY], app[SESSIONS], app[CACHE], clock=leads_bot.clock)
    results = await asyncio.gather(
        ops.edit("olga", "lisi", manager="zhangsan"),
        ops.edit("mia", "zhangsan", manager="lisi"),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, TeamOpsError)]
    assert len(refused) == 1, results
    assert "circle" in str(refused[0].problems[0])
    managers = {line.rep.userid: line.rep.manager for line in await ops.team()}
    assert sorted([managers["lisi"], managers["zhangsan"]], key=str) != ["lisi", "zhangsan"]
