"""Misses and hits: unanswered phrases (with "make a rule from this"), hits per rule,
rules that never fire, and the A/B report. The reports are `bot.ops.keyword_reports`,
the same the CLI prints."""

from __future__ import annotations

import json
from datetime import datetime
from typing import cast
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from bot.admin.guard import reader
from bot.admin.views.keyword_views import account_url, store_of
from bot.app_keys import CACHE, KEYWORD_TABLES, SETTINGS
from bot.ops.keyword_json import misses_json
from bot.ops.keyword_reports import RuleVariants, misses_report, variants_report
from filecheck.wording import Wording
from storage.types import utc_now

routes = web.RouteTableDef()
PERIODS = (1, 7, 14, 30)
# The reports read and segment every unanswered message of the period (seconds at
# scale), so one computation serves every viewer and process for ten minutes.
REPORT_KEY = "admin:reports"
REPORT_TTL_S = 600


def _stored(wording: Wording) -> dict[str, object]:
    """A wording as JSON, to be said in each reader's language when shown."""
    fields = {k: _stored(v) if isinstance(v, Wording) else str(v) if not isinstance(v, int)
              else v for k, v in wording.fields.items()}  # fmt: skip
    return {"template": wording.template, "fields": fields}


def _wording(stored: dict[str, object]) -> Wording:
    fields = cast(dict[str, object], stored["fields"])
    return Wording(
        str(stored["template"]),
        {k: _wording(v) if isinstance(v, dict) else cast(str | int, v) for k, v in fields.items()},
    )


def _variants(report: list[RuleVariants]) -> list[dict[str, object]]:
    return [
        {
            "rule": rule.rule,
            "variants": [
                {"variant": s.variant + 1, "got": s.got, "went_on": s.went_on, "rate": s.rate}
                for s in rule.variants
            ],
            "comparisons": [
                {"z": c.z, "p_value": c.p_value, "note": _stored(c.note)} for c in rule.comparisons
            ],
        }
        for rule in report
    ]


@routes.get("/reports")
async def reports(request: web.Request) -> web.StreamResponse:
    accounts = [account.name for account in request.config_dict[SETTINGS].wechat]
    account = request.query.get("account", accounts[0])
    if account not in accounts:
        raise web.HTTPNotFound(text=reader(request).gettext("There is no such account"))
    raw = request.query.get("days", "7")
    days = int(raw) if raw.isdigit() and int(raw) in PERIODS else 7
    cache = request.config_dict[CACHE]
    key = f"{REPORT_KEY}:{account}:{days}"
    cached = await cache.get(key)
    if cached is None:
        store, now = store_of(request), utc_now()
        cut = request.config_dict[KEYWORD_TABLES].segmenter.cut
        report = {
            "at": now.isoformat(),
            "misses": misses_json(await misses_report(store, cut, now, days, account)),
            "variants": _variants(await variants_report(store, now, days, account)),
        }
        cached = json.dumps(report, ensure_ascii=False)
        await cache.set(key, cached, ttl_s=REPORT_TTL_S)
    report = json.loads(cached)
    words = reader(request)
    for rule in report["variants"]:
        for comparison in rule["comparisons"]:
            comparison["note"] = words.words(_wording(comparison["note"]))
    return aiohttp_jinja2.render_template(
        "reports.html",
        request,
        {
            "account": account,
            "accounts": accounts,
            "days": days,
            "periods": PERIODS,
            "at": datetime.fromisoformat(report["at"]),
            "misses": report["misses"],
            "variants": report["variants"],
            "rule_url": lambda phrase: account_url(account) + "?prefill=" + quote(phrase),
        },
    )
