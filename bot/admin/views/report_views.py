"""Misses and hits: unanswered phrases (with "make a rule from this"), hits per rule,
rules that never fire, and the A/B report. The reports are `bot.ops.keyword_reports`,
the same the CLI prints."""

from __future__ import annotations

import json
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from bot.admin.site_format import local_time
from bot.admin.views.keyword_views import account_url, store_of
from bot.app_keys import CACHE, KEYWORD_TABLES, SETTINGS
from bot.ops.keyword_json import misses_json, variants_json
from bot.ops.keyword_reports import misses_report, variants_report
from storage.types import utc_now

routes = web.RouteTableDef()
PERIODS = (1, 7, 14, 30)
# The reports read and segment every unanswered message of the period (seconds at
# scale), so one computation serves every viewer and process for ten minutes.
REPORT_KEY = "admin:reports"
REPORT_TTL_S = 600


@routes.get("/reports")
async def reports(request: web.Request) -> web.StreamResponse:
    accounts = [account.name for account in request.config_dict[SETTINGS].wechat]
    account = request.query.get("account", accounts[0])
    if account not in accounts:
        raise web.HTTPNotFound(text=f"unknown account {account!r}")
    raw = request.query.get("days", "7")
    days = int(raw) if raw.isdigit() and int(raw) in PERIODS else 7
    cache = request.config_dict[CACHE]
    key = f"{REPORT_KEY}:{account}:{days}"
    cached = await cache.get(key)
    if cached is None:
        store, now = store_of(request), utc_now()
        cut = request.config_dict[KEYWORD_TABLES].segmenter.cut
        report = {
            "at": local_time(now),
            "misses": misses_json(await misses_report(store, cut, now, days, account)),
            "variants": variants_json(await variants_report(store, now, days, account), days),
        }
        cached = json.dumps(report, ensure_ascii=False)
        await cache.set(key, cached, ttl_s=REPORT_TTL_S)
    report = json.loads(cached)
    return aiohttp_jinja2.render_template(
        "reports.html",
        request,
        {
            "account": account,
            "accounts": accounts,
            "days": days,
            "periods": PERIODS,
            "at": report["at"],
            "misses": report["misses"],
            "variants": report["variants"]["rules"],
            "rule_url": lambda phrase: account_url(account) + "?prefill=" + quote(phrase),
        },
    )
