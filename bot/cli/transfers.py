"""`wxbot team reconcile`: compare the leads with WeCom's customer lists now, and print it.

The daily reconciliation (`bot/runtime/reconcile.py`) run at once: every open lead whose
WeCom customer is no longer with its owner is listed, recorded on the lead (once) and
reported to the manager. Hooked under `wxbot team` by `bot/cli/team.py`.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

import aiohttp

from bot.cli.errors import UsageError
from bot.config.settings import Settings
from bot.effects.reconciler import build_reconciler
from bot.runtime.reconcile import ReconcileReport
from bot.runtime.team import load_team
from leads.team import Team
from storage.cache import open_cache
from storage.database import create_engine, create_session_factory, upgrade_schema
from storage.types import utc_now


def add_reconcile_parser(team_commands: argparse._SubParsersAction[Any]) -> None:
    """`reconcile` under `wxbot team`."""
    team_commands.add_parser(
        "reconcile", help="find leads whose WeCom customer is no longer with their owner, now"
    )


async def run_reconcile(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    """Run the reconciliation once; 0 whatever it found (what it found is printed)."""
    del args
    if settings.leads is None:
        raise UsageError("no [leads] in the config: there is nothing to reconcile")
    await upgrade_schema(settings.storage.database_url)  # as `serve` does
    engine = create_engine(settings.storage.database_url)
    cache = open_cache(settings.storage.redis_url)
    try:
        sessions = create_session_factory(engine)
        # The team as the table has it today (seeded once, as `serve` does).
        team = Team(await load_team(sessions, settings.leads.sales, utc_now()), live=True)
        async with aiohttp.ClientSession() as http:
            reconciler = build_reconciler(settings, http, cache, sessions, utc_now, team=team)
            if reconciler is None:
                raise UsageError(f"[leads] wecom = {settings.leads.wecom!r} names no [[wecom]] app")
            report = await reconciler.run_once()
    finally:
        await cache.close()
        await engine.dispose()
    out.write(render_report(report))
    return 0


def render_report(report: ReconcileReport) -> str:
    """What a manager reads: whose lists were read, and each lead that does not match."""
    lines = [
        f"customer lists read: {len(report.members)} "
        f"({', '.join(report.members) or 'nobody'}); open leads checked: {report.checked}"
    ]
    if report.upkeep.failed or report.upkeep.polls:
        lines.append(
            f"transfers: {report.upkeep.failed} dropped call(s) ended as failed, "
            f"{report.upkeep.polls} lost poll(s) started again"
        )
    if report.unlisted:
        lines.append(f"WeCom did not list: {', '.join(report.unlisted)} (their leads not checked)")
    if not report.drifts:
        lines.append("every open lead's customer is with its owner")
    new = {drift.lead_id for drift in report.recorded}
    for drift in report.drifts:
        where = f"now with {drift.now_with}" if drift.now_with else "with nobody on the team"
        mark = "new" if drift.lead_id in new else "known"
        lines.append(
            f"lead #{drift.lead_id}: owner {drift.owner}, customer {drift.external_userid} "
            f"{where} ({mark})"
        )
    return "\n".join(lines) + "\n"
