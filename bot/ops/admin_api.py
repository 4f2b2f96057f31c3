"""The admin HTTP API for keyword tables: `/admin/api/keywords/...`, JSON in and out.

Every route needs `Authorization: Bearer <[admin] token>`; with no token configured
the API does not exist (404). Validation messages are the CLI's, with line and column.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, time

from aiohttp import web

from bot.app_keys import CACHE, KEYWORD_TABLES, SESSIONS, SETTINGS
from bot.ops.keyword_json import (
    Json,
    explanation_json,
    misses_json,
    problems_json,
    published_json,
    variants_json,
    version_json,
)
from bot.ops.keyword_ops import KeywordOpsError, KeywordStore
from bot.ops.keyword_reports import misses_report, variants_report
from bot.ops.keyword_trial import KeywordTrial
from keywords.hours import shanghai
from keywords.matcher import Signal
from keywords.rules import Trigger
from keywords.table_csv import format_table, parse_table
from keywords.table_rows import ParsedTable
from keywords.table_xlsx import format_workbook, parse_workbook
from storage.types import utc_now

PREFIX = "/admin/api/keywords"
BAD_REQUEST = 400
UNAUTHORIZED = 401
NOT_FOUND = 404
CREATED = 201
Handler = Callable[[web.Request], Awaitable[web.Response]]
_SIGNALS = (("text", Trigger.TEXT), ("click", Trigger.CLICK),
            ("subscribe", Trigger.SUBSCRIBE), ("scan", Trigger.SCAN))  # fmt: skip


def _json(
    data: object, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON with Chinese as Chinese (not \\u escapes), as ops read it."""
    return web.json_response(data, status=status, headers=headers, dumps=_dumps)


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)


def _error(status: int, message: str, **extra: object) -> web.Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == UNAUTHORIZED else None
    return _json({"error": message, **extra}, status=status, headers=headers)


def _authorized(request: web.Request, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # Constant-time: the comparison must not tell an attacker how much of a guess was right.
    return scheme.casefold() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def _guard(handler: Handler) -> Handler:
    """Token check and error mapping, shared by every route."""

    async def guarded(request: web.Request) -> web.Response:
        token = request.app[SETTINGS].admin.token.reveal()
        if not token:
            return _error(NOT_FOUND, "the admin API is off: set [admin] token")
        if not _authorized(request, token):
            return _error(UNAUTHORIZED, "a valid 'Authorization: Bearer <token>' is required")
        try:
            return await handler(request)
        except KeywordOpsError as error:
            return _error(error.status, error.message, problems=problems_json(error.problems))

    return guarded


def _store(request: web.Request) -> KeywordStore:
    app = request.app
    return KeywordStore(app[SETTINGS], app[SESSIONS], app[CACHE])


async def _body(request: web.Request) -> Json:
    try:
        body: object = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise KeywordOpsError(BAD_REQUEST, "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise KeywordOpsError(BAD_REQUEST, "the body must be a JSON object")
    return {str(key): value for key, value in body.items()}


def _text(body: Json, key: str, default: str | None = None) -> str:
    value = body.get(key, default)
    if not isinstance(value, str):
        raise KeywordOpsError(BAD_REQUEST, f"{key!r} must be a string")
    return value


async def _parsed(body: Json) -> ParsedTable:
    """The table of a request: `table` (CSV text) or `xlsx` (the workbook, base64)."""
    if "xlsx" in body:
        try:
            data = base64.b64decode(_text(body, "xlsx"), validate=True)
        except binascii.Error:
            raise KeywordOpsError(BAD_REQUEST, "'xlsx' must be base64") from None
        return await asyncio.to_thread(parse_workbook, data, "table.xlsx")
    return await asyncio.to_thread(parse_table, _text(body, "table"), "table.csv")


def _days(request: web.Request, default: int) -> int:
    raw = request.query.get("days", str(default))
    if not raw.isdigit() or not 0 < int(raw) <= 366:  # noqa: PLR2004 - a year of history
        raise KeywordOpsError(BAD_REQUEST, "days must be a whole number from 1 to 366")
    return int(raw)


class KeywordAdminApi:
    """The routes; "test" shares the admin site's trial (its sandbox dictionary)."""

    def __init__(self, trial: KeywordTrial | None = None) -> None:
        self._trial = trial or KeywordTrial()

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post(f"{PREFIX}/check", _guard(self.check)),
            web.post(f"{PREFIX}/test", _guard(self.test)),
            web.post(f"{PREFIX}/publish", _guard(self.publish)),
            web.get(f"{PREFIX}/history", _guard(self.history)),
            web.post(f"{PREFIX}/rollback", _guard(self.rollback)),
            web.get(f"{PREFIX}/export", _guard(self.export)),
            web.get(f"{PREFIX}/misses", _guard(self.misses)),
            web.get(f"{PREFIX}/variants", _guard(self.variants)),
        ]

    async def check(self, request: web.Request) -> web.Response:
        parsed = await _parsed(await _body(request))
        return _json({
            "ok": not parsed.errors,
            "rules": len(parsed.rules),
            "problems": problems_json(parsed.problems),
        })  # fmt: skip

    async def test(self, request: web.Request) -> web.Response:
        body = await _body(request)
        store = _store(request)
        signal = next(
            (Signal(trigger, _text(body, key)) for key, trigger in _SIGNALS if key in body), None
        )
        if signal is None:
            raise KeywordOpsError(BAD_REQUEST, "give one of: text, click, subscribe, scan")
        now = _moment(_text(body, "at")) if "at" in body else utc_now()
        draft = await _parsed(body) if "table" in body or "xlsx" in body else None
        explanation = await self._trial.explain(
            store, request.app[KEYWORD_TABLES], _text(body, "account"), signal, now, draft=draft
        )
        return _json(explanation_json(explanation))

    async def publish(self, request: web.Request) -> web.Response:
        body = await _body(request)
        store = _store(request)
        account = store.check_account(_text(body, "account"))
        parsed = await _parsed(body)
        published = await store.publish(
            account, parsed, _text(body, "by", "admin api"), _text(body, "note", "admin api")
        )
        return _json(published_json(published), status=CREATED)

    async def history(self, request: web.Request) -> web.Response:
        versions = await _store(request).history(request.query.get("account"))
        return _json({"versions": [version_json(v) for v in versions]})

    async def rollback(self, request: web.Request) -> web.Response:
        body = await _body(request)
        version = body.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise KeywordOpsError(BAD_REQUEST, "'version' must be a version number")
        published = await _store(request).rollback(version, _text(body, "by", "admin api"))
        return _json(published_json(published), status=CREATED)

    async def export(self, request: web.Request) -> web.Response:
        live = await _store(request).live(request.query.get("account", ""))
        fmt = request.query.get("format", "csv")
        result: Json = {"account": live.account, "version": live.version, "format": fmt}
        if fmt == "csv":
            result["table"] = await asyncio.to_thread(format_table, live.rules)
        elif fmt == "xlsx":
            data = await asyncio.to_thread(format_workbook, live.rules)
            result["xlsx"] = base64.b64encode(data).decode()
        else:
            raise KeywordOpsError(BAD_REQUEST, "format must be csv or xlsx")
        return _json(result)

    async def misses(self, request: web.Request) -> web.Response:
        store, days = _store(request), _days(request, 7)
        account = request.query.get("account")
        if account is not None:
            store.check_account(account)
        cut = request.app[KEYWORD_TABLES].segmenter.cut
        report = await misses_report(store, cut, utc_now(), days, account)
        return _json(misses_json(report))

    async def variants(self, request: web.Request) -> web.Response:
        store, days = _store(request), _days(request, 14)
        account = request.query.get("account")
        if account is not None:
            store.check_account(account)
        report = await variants_report(store, utc_now(), days, account)
        return _json(variants_json(report, days))


def _moment(at: str) -> datetime:
    try:
        clock = time.fromisoformat(at)
    except ValueError:
        raise KeywordOpsError(BAD_REQUEST, f"'at' {at!r} is not HH:MM") from None
    return datetime.combine(datetime.now(shanghai()).date(), clock, tzinfo=shanghai())
