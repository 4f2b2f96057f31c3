"""Misses and hits: unanswered phrases (with "make a rule from this"), hits per rule,
rules that never fire, and the A/B report. The reports are `bot.ops.keyword_reports`,
the same the CLI prints."""

from __future__ import annotations

from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from bot.admin.views.keyword_views import account_url, store_of
from bot.app_keys import KEYWORD_TABLES, SETTINGS
from bot.ops.keyword_reports import misses_report, variants_report
from storage.types import utc_now

routes = web.RouteTableDef()
PERIODS = (1, 7, 14, 30)


@routes.get("/reports")
async def reports(request: web.Request) -> web.StreamResponse:
    accounts = [account.name for account in request.config_dict[SETTINGS].wechat]
    account = request.query.get("account", accounts[0])
    if account not in accounts:
        raise web.HTTPNotFound(text=f"unknown account {account!r}")
    raw = request.query.get("days", "7")
    days = int(raw) if raw.isdigit() and int(raw) in PERIODS else 7
    store, now = store_of(request), utc_now()
    cut = request.config_dict[KEYWORD_TABLES].segmenter.cut
    misses = await misses_report(store, cut, now, days, account)
    variants = await variants_report(store, now, days, account)
    return aiohttp_jinja2.render_template(
        "reports.html",
        request,
        {
            "account": account,
            "accounts": accounts,
            "days": days,
            "periods": PERIODS,
            "misses": misses,
            "variants": variants,
            "rule_url": lambda phrase: account_url(account) + "?prefill=" + quote(phrase),
        },
    )
