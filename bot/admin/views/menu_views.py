"""The official account's menu: the live menu on a phone, which menu a follower sees, the
editor (check and publish), history with rollback.

Everything goes through `MenuStore`, as `wxbot menus` does: a publish is WeChat's calls,
then a version, audited by `storage.tables.versions`. The editor's menus become the
same menu file a person would write (`bot.admin.menu_editor`)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from bot.admin.guard import reader, require, viewer
from bot.admin.keyword_history import SITE_NOTE, rolled_back_to
from bot.admin.menu_editor import (
    Draft,
    edit_menus,
    menus_from_form,
    path_id,
    place_problems,
    read_draft,
    starting_menus,
)
from bot.admin.menu_history import version_diffs
from bot.admin.menu_words import BUTTON_TYPE, FIELD, PLATFORM
from bot.admin.roles import Permission
from bot.admin.views.forms import FormData, form_text
from bot.app_keys import CACHE, HTTP, SESSIONS, SETTINGS
from bot.effects.api_clients import official_account_clients
from bot.ops.menu_ops import CONFLICT, INVALID, NOT_FOUND, MenuOpsError, MenuStore
from filecheck.wording import N_
from menus.menu_format import format_menu_file
from menus.model import VALUE_FIELDS, Button, MenuSet

routes = web.RouteTableDef()
MAX_OPENID = 64  # WeChat openids are 28 characters; anything past this names no one
NOTE_MAX_CHARS = 256  # a version's note column (storage.tables.models.TableVersion.note)
# What a refusal says before WeChat's own words (which stay as WeChat wrote them).
_REFUSALS = {
    INVALID: N_("The menu has problems: see the fields in red."),
    CONFLICT: N_("Someone else is publishing this account's menu right now: try again."),
    NOT_FOUND: N_("WeChat does not know what was asked for."),
}
_REFUSED = N_("WeChat did not take the menu.")
_UNREAD = N_("The menu could not be read from WeChat.")


def store_of(request: web.Request) -> MenuStore:
    config = request.config_dict
    settings, cache = config[SETTINGS], config[CACHE]
    clients = official_account_clients(settings, config[HTTP], cache)
    return MenuStore(settings, config[SESSIONS], cache, clients)


def _accounts(request: web.Request) -> list[str]:
    return [account.name for account in request.config_dict[SETTINGS].wechat]


def _account(request: web.Request) -> str:
    name = request.match_info["account"]
    if name not in _accounts(request):
        raise web.HTTPNotFound(text=reader(request).gettext("There is no such account"))
    return name


def account_url(account: str) -> str:
    return f"/admin/menus/{quote(account, safe='')}"


def shown_fields(button: Button) -> tuple[str, ...]:
    """The value fields the form shows for a button: what its type needs, and any other
    one it holds (so nothing it carries is hidden)."""
    kind = button.kind
    needed = kind.needs if kind is not None else ()
    return tuple(name for name in VALUE_FIELDS if name in needed or button.value(name))


async def _page(
    request: web.Request,
    account: str,
    draft: Draft,
    *,
    checked: bool = False,
    refusal: tuple[str, str] | None = None,
    pulled: tuple[str, ...] | None = None,
    status: int = 200,
) -> web.StreamResponse:
    live = await store_of(request).live(account)
    context: dict[str, Any] = {
        "account": account,
        "account_url": account_url(account),
        "account_urls": {name: account_url(name) for name in _accounts(request)},
        "live": live,
        "draft": draft,
        "checked": checked,
        "refusal": refusal,
        "pulled": pulled,
        "types": BUTTON_TYPE,
        "platforms": PLATFORM,
        "field_words": FIELD,
        "shown_fields": shown_fields,
        "path_id": path_id,
    }
    return aiohttp_jinja2.render_template("menus.html", request, context, status=status)


@routes.get("/menus")
async def menus_index(request: web.Request) -> web.StreamResponse:
    accounts = _accounts(request)
    if not accounts:
        raise web.HTTPNotFound(text=reader(request).gettext("There is no such account"))
    raise web.HTTPSeeOther(account_url(accounts[0]))


@routes.get("/menus/{account}")
async def menus_page(request: web.Request) -> web.StreamResponse:
    account = _account(request)
    live = await store_of(request).live(account)
    menus = starting_menus(live.menus if live else None)
    parsed = await asyncio.to_thread(read_draft, menus)
    return await _page(request, account, place_problems(menus, parsed, ()))


def _posted(form: FormData) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str)}


@routes.post("/menus/{account}/edit")
@require(Permission.EDIT_MENUS)
async def edit(request: web.Request) -> web.StreamResponse:
    """Add, remove or move a button or menu; check; or publish the posted menus."""
    account = _account(request)
    form = await request.post()
    fields = _posted(form)
    action = fields.get("action", "")
    menus: MenuSet = edit_menus(menus_from_form(fields), action)
    store = store_of(request)
    if action == "pull":
        return await _pulled(request, store, account, menus)
    parsed = await asyncio.to_thread(read_draft, menus)
    if action not in ("check", "publish"):
        return await _page(request, account, place_problems(menus, parsed, ()))
    problems = await store.check(account, parsed)
    draft = place_problems(menus, parsed, problems)
    if action == "check" or parsed.errors:
        status = 422 if parsed.errors else 200
        return await _page(request, account, draft, checked=True, status=status)
    try:
        published = await store.publish(
            account,
            parsed,
            viewer(request).name,
            form_text(form, "note").strip()[:NOTE_MAX_CHARS] or SITE_NOTE,
        )
    except MenuOpsError as error:
        words = reader(request).gettext(_REFUSALS.get(error.status, _REFUSED))
        status = error.status if error.status in _REFUSALS else 502
        return await _page(request, account, draft, refusal=(words, error.message), status=status)
    raise web.HTTPSeeOther(account_url(account) + f"?published={published.version.number}")


async def _pulled(
    request: web.Request, store: MenuStore, account: str, menus: MenuSet
) -> web.StreamResponse:
    """The editor started again from what WeChat shows now (`wxbot menus pull`): a brand
    with a menu made elsewhere starts from it. What could not be carried over is listed."""
    try:
        pulled = await store.pull(account)
    except MenuOpsError as error:
        parsed = await asyncio.to_thread(read_draft, menus)
        refusal = (reader(request).gettext(_UNREAD), error.message)
        return await _page(request, account, place_problems(menus, parsed, ()), refusal=refusal)
    if not pulled.menus.empty:
        menus = pulled.menus
    parsed = await asyncio.to_thread(read_draft, menus)
    return await _page(request, account, place_problems(menus, parsed, ()), pulled=pulled.notes)


@routes.post("/menus/{account}/preview")
@require(Permission.EDIT_MENUS)
async def preview(request: web.Request) -> web.StreamResponse:
    """The draft's phones as the form now says (htmx swaps each in by its id)."""
    account = _account(request)
    menus = menus_from_form(_posted(await request.post()))
    return aiohttp_jinja2.render_template(
        "menu_phones.html",
        request,
        {"account": account, "menus": menus.menus, "platforms": PLATFORM},
    )


@routes.post("/menus/{account}/try")
async def try_follower(request: web.Request) -> web.StreamResponse:
    """Which menu one follower sees: WeChat's `menu/trymatch`, named against the live version."""
    account = _account(request)
    openid = form_text(await request.post(), "openid").strip()[:MAX_OPENID]
    context: dict[str, Any] = {
        "account": account,
        "openid": openid,
        "trial": None,
        "error": "",
        "platforms": PLATFORM,
    }
    if openid:
        try:
            context["trial"] = await store_of(request).try_follower(account, openid)
        except MenuOpsError as error:
            context["error"] = error.message
    return aiohttp_jinja2.render_template("menu_try.html", request, context)


@routes.get("/menus/{account}/export")
async def export(request: web.Request) -> web.StreamResponse:
    """The live version as the menu file it is (what `wxbot menus check|publish` read)."""
    account = _account(request)
    live = await store_of(request).live(account)
    if live is None:
        raise web.HTTPNotFound(text=reader(request).gettext("Nothing published yet"))
    text = await asyncio.to_thread(format_menu_file, live.menus)
    return web.Response(
        text=text,
        content_type="application/toml",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="menus-{quote(account)}.toml"'},
    )


@routes.get("/menus/{account}/history")
async def history(request: web.Request) -> web.StreamResponse:
    account = _account(request)
    store = store_of(request)
    listed = await store.history(account)
    diffs = await version_diffs(store, listed)
    return aiohttp_jinja2.render_template(
        "menu_history.html",
        request,
        {
            "account": account,
            "account_url": account_url(account),
            "versions": [(version, diffs.get(version.number)) for version in listed],
            "rolled_back_to": rolled_back_to,
            "site_note": SITE_NOTE,
        },
    )


@routes.post("/menus/rollback/{version:\\d{1,9}}")
@require(Permission.EDIT_MENUS)
async def rollback(request: web.Request) -> web.StreamResponse:
    number = int(request.match_info["version"])
    try:
        published = await store_of(request).rollback(number, viewer(request).name)
    except MenuOpsError as error:
        if error.status == NOT_FOUND:
            raise web.HTTPNotFound(text=error.message) from None
        raise web.HTTPBadGateway(text=error.message) from None
    raise web.HTTPSeeOther(
        account_url(published.version.scope) + f"?published={published.version.number}"
    )
