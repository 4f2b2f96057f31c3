"""Counts access-token fetches on the one HTTP session every API client shares.

Every client (official account, WeCom, in any job kind) fetches its token
through `app[HTTP]`, so an aiohttp trace on that session sees each refresh
without threading a metrics object through every client.
"""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp

from bot.metrics import Metrics

# Token endpoints by the API they belong to.
TOKEN_PATHS = {"/cgi-bin/stable_token": "official_account", "/cgi-bin/gettoken": "wecom"}


def token_refresh_tracer(metrics: Metrics) -> aiohttp.TraceConfig:
    """A trace config counting `wxbot_token_refreshes_total{api, status}`."""
    trace = aiohttp.TraceConfig()

    async def on_request_end(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        api = _api_of(params.url)
        if api is not None:
            metrics.token_refreshes.labels(api, str(params.response.status)).inc()

    async def on_request_exception(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestExceptionParams,
    ) -> None:
        api = _api_of(params.url)
        if api is not None:
            metrics.token_refreshes.labels(api, "error").inc()

    trace.on_request_end.append(on_request_end)
    trace.on_request_exception.append(on_request_exception)
    return trace


def _api_of(url: object) -> str | None:
    path = getattr(url, "path", "")
    return next((api for suffix, api in TOKEN_PATHS.items() if path.endswith(suffix)), None)
