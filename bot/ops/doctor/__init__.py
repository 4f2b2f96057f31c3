"""`wxbot doctor`: the checks a config must pass before live traffic arrives.

First the production gate (`live`: settings only a demo may have), then the
services (database, migrations, cache), the access tokens against each `api_base`,
the files the config names (keyword tables as they serve now, tagging rules,
journeys) and, given a public URL, WeChat's GET verification through it. Each
check says what it looked at and, when it fails, the fix. None of them changes
anything: no migration is applied, no database file is created.
"""

from __future__ import annotations

import aiohttp

from bot.config.settings import Settings
from bot.ops.doctor.check import Check
from bot.ops.doctor.files import file_checks
from bot.ops.doctor.live import live_checks
from bot.ops.doctor.services import storage_checks, url_check
from bot.ops.doctor.tokens import token_checks

__all__ = ["Check", "run_checks"]


async def run_checks(settings: Settings, public_url: str | None, *, demo: bool) -> list[Check]:
    """Every check, in the order a deployment needs them to pass; `demo`: no gate."""
    checks = [] if demo else live_checks(settings, public_url)
    storage, database_ok = await storage_checks(settings, demo=demo)
    checks += storage
    async with aiohttp.ClientSession() as http:
        checks += await token_checks(settings, http)
        # Only a database that answered is asked for published tables (a missing
        # SQLite file would be created by asking).
        checks += await file_checks(settings, database_ok=database_ok)
        if public_url:
            checks += [await url_check(http, public_url, account) for account in settings.wechat]
    return checks
