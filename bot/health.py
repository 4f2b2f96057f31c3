"""`GET /healthz`: 200 when the database and the cache answer, 503 naming what failed.

Lagging is not failing: while the effects stage catches up the answer stays
200, and says by how much it lags.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.app_keys import CACHE, ENGINE, SESSIONS
from storage.database import ping_database
from storage.pending_events import effects_backlog
from storage.types import utc_now

log = logging.getLogger(__name__)
HEALTH_TIMEOUT_S = 2.0


async def healthz(request: web.Request) -> web.Response:
    checks = {
        "database": ping_database(request.app[ENGINE]),
        "cache": request.app[CACHE].ping(),
    }
    failing: dict[str, str] = {}
    for part, check in checks.items():
        try:
            await asyncio.wait_for(check, HEALTH_TIMEOUT_S)
        except Exception as exc:  # any failure of a dependency is a health answer, not a crash
            log.warning("health check failed part=%s error=%s", part, exc)
            failing[part] = type(exc).__name__
    if failing:
        return web.json_response({"status": "unavailable", "failing": failing}, status=503)
    async with request.app[SESSIONS]() as session:
        waiting = await effects_backlog(session, utc_now())
    effects = {"backlog": waiting.events, "lag_seconds": round(waiting.oldest_s, 3)}
    return web.json_response({"status": "ok", "effects": effects})
