"""Keyword tables: the editable grid, upload and download, publish with a diff preview,
history with rollback. Publishing goes through `KeywordStore`, as the CLI's does, which
also writes the audit entry."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from bot.admin.guard import reader, require, viewer
from bot.admin.keyword_changes import table_changes
from bot.admin.keyword_grid import (
    CHOICES,
    Grid,
    blank_row,
    choice,
    grid_of_rules,
    hours_parts,
    parse_grid,
    rows_from_form,
)
from bot.admin.keyword_history import SITE_NOTE, rolled_back_to, version_changes
from bot.admin.roles import Permission
from bot.admin.views.forms import form_text
from bot.app_keys import CACHE, SESSIONS, SETTINGS
from bot.ops.keyword_ops import KeywordOpsError, KeywordStore
from keywords.table_csv import XLSX_SUFFIX, format_table, parse_table
from keywords.table_rows import COLUMNS
from keywords.table_xlsx import format_workbook, parse_workbook
from storage.tables.keywords import SHARED_ACCOUNT

routes = web.RouteTableDef()
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def store_of(request: web.Request) -> KeywordStore:
    config = request.config_dict
    return KeywordStore(config[SETTINGS], config[SESSIONS], config[CACHE])


def _account(request: web.Request) -> str:
    try:
        return store_of(request).check_account(request.match_info["account"])
    except KeywordOpsError as error:
        raise web.HTTPNotFound(text=error.message) from None


def _accounts(request: web.Request) -> list[str]:
    return [account.name for account in request.config_dict[SETTINGS].wechat] + [SHARED_ACCOUNT]


def account_url(account: str) -> str:
    return f"/admin/keywords/{quote(account, safe='')}"


async def _grid_page(
    request: web.Request,
    account: str,
    grid: Grid,
    *,
    draft: bool,
    checked: bool = False,
    status: int = 200,
) -> web.StreamResponse:
    live = await store_of(request).live(account)
    return aiohttp_jinja2.render_template(
        "keywords.html",
        request,
        {
            "account": account,
            "account_url": account_url(account),
            "accounts": _accounts(request),
            "account_urls": {name: account_url(name) for name in _accounts(request)},
            "columns": COLUMNS,
            "choices": CHOICES,
            "choice": choice,
            "hours_parts": hours_parts,
            "grid": grid,
            "live": live,
            "draft": draft,
            "checked": checked,
        },
        status=status,
    )


@routes.get("/keywords")
async def keywords_index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther(account_url(_accounts(request)[0]))


@routes.get("/keywords/{account}")
async def grid_page(request: web.Request) -> web.StreamResponse:
    account = _account(request)
    live = await store_of(request).live(account)
    grid = grid_of_rules(live.rules)
    phrase = request.query.get("prefill", "").strip()
    if phrase:
        # "Make a rule from this" on the misses page: a new row with the phrase filled in.
        row = blank_row(keywords=phrase)
        grid = Grid((*grid.rows, row))
    return await _grid_page(request, account, grid, draft=bool(phrase))


@routes.post("/keywords/{account}/edit")
@require(Permission.EDIT_KEYWORDS)
async def edit_grid(request: web.Request) -> web.StreamResponse:
    """Check, add a row, or preview the publish of the posted grid."""
    account = _account(request)
    form = await request.post()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    count = int(fields.get("rows", "0")) if fields.get("rows", "0").isdigit() else 0
    rows = rows_from_form(fields, count)
    action = fields.get("action", "check")
    if action == "add_row":
        return await _grid_page(request, account, Grid((*rows, blank_row())), draft=True)
    parsed, grid = await asyncio.to_thread(parse_grid, rows)
    if grid.has_errors or action != "preview":
        status = 422 if grid.has_errors else 200
        return await _grid_page(request, account, grid, draft=True, checked=True, status=status)
    live = await store_of(request).live(account)
    diff, changes = await asyncio.to_thread(table_changes, live.rules, parsed.rules)
    return aiohttp_jinja2.render_template(
        "keyword_preview.html",
        request,
        {
            "account": account,
            "account_url": account_url(account),
            "diff": diff,
            "changes": changes,
            "table_csv": await asyncio.to_thread(format_table, parsed.rules),
            "warnings": [p for p in parsed.problems if p not in parsed.errors],
            "rule_count": len(parsed.rules),
        },
    )


@routes.post("/keywords/{account}/publish")
@require(Permission.EDIT_KEYWORDS)
async def publish(request: web.Request) -> web.StreamResponse:
    account = _account(request)
    form = await request.post()
    parsed = await asyncio.to_thread(parse_table, form_text(form, "table_csv"), "grid")
    who = viewer(request).name
    try:
        published = await store_of(request).publish(
            account, parsed, who, form_text(form, "note") or SITE_NOTE
        )
    except KeywordOpsError as error:
        # The preview checked this table already; only a hand-made request lands here.
        raise web.HTTPUnprocessableEntity(text=error.message) from None
    raise web.HTTPSeeOther(account_url(account) + f"?published={published.version.id}")


@routes.post("/keywords/{account}/upload")
@require(Permission.EDIT_KEYWORDS)
async def upload(request: web.Request) -> web.StreamResponse:
    """A CSV or XLSX file into the grid as a draft; nothing goes live until published."""
    account = _account(request)
    form = await request.post()
    file = form.get("file")
    if not isinstance(file, web.FileField):
        raise web.HTTPBadRequest(text=reader(request).gettext("Choose a .csv or .xlsx file"))
    data = await asyncio.to_thread(file.file.read, MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise web.HTTPRequestEntityTooLarge(MAX_UPLOAD_BYTES, len(data))
    if file.filename.lower().endswith(XLSX_SUFFIX):
        parsed = await asyncio.to_thread(parse_workbook, data, file.filename)
    else:
        parsed = await asyncio.to_thread(
            parse_table, data.decode("utf-8-sig", errors="replace"), file.filename
        )
    _, grid = await asyncio.to_thread(parse_grid, grid_of_rules(parsed.rules).rows)
    if parsed.errors:
        # Rows with errors do not become rules: show the file's own messages above the grid.
        grid = Grid(grid.rows, grid.cell_problems, parsed.problems)
    return await _grid_page(request, account, grid, draft=True)


@routes.get("/keywords/{account}/export")
async def export(request: web.Request) -> web.StreamResponse:
    account = _account(request)
    live = await store_of(request).live(account)
    name = "shared" if account == SHARED_ACCOUNT else account
    if request.query.get("format") == "xlsx":
        body = await asyncio.to_thread(format_workbook, live.rules)
        return web.Response(
            body=body,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="keywords-{name}.xlsx"'},
        )
    text = await asyncio.to_thread(format_table, live.rules)
    return web.Response(
        # A BOM so Excel opens the Chinese cells as UTF-8.
        body=("\ufeff" + text).encode(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="keywords-{name}.csv"'},
    )


@routes.get("/keywords/{account}/history")
async def history(request: web.Request) -> web.StreamResponse:
    account = _account(request)
    store = store_of(request)
    versions = await store.history(account)
    changes = await version_changes(store, request.config_dict[CACHE], versions)
    return aiohttp_jinja2.render_template(
        "keyword_history.html",
        request,
        {
            "account": account,
            "account_url": account_url(account),
            "versions": [(version, changes.get(version.id)) for version in versions],
            "rolled_back_to": rolled_back_to,
            "site_note": SITE_NOTE,
        },
    )


@routes.post("/keywords/rollback/{version:\\d{1,9}}")
@require(Permission.EDIT_KEYWORDS)
async def rollback(request: web.Request) -> web.StreamResponse:
    who = viewer(request).name
    version = int(request.match_info["version"])
    try:
        published = await store_of(request).rollback(version, who)
    except KeywordOpsError as error:
        raise web.HTTPNotFound(text=error.message) from None
    raise web.HTTPSeeOther(account_url(published.version.account))
