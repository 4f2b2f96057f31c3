"""Channels: the list with each channel's codes and figures, a channel's page (figures
over time, staff, rota, welcome, its QR code), and ops' edits.

An edit changes the one channel in the live table's TOML (`bot.admin.channel_form`) and
goes through `ChannelStore.check` and `publish`, as `wxbot channels publish` does: a new
version, audited, live in every process within seconds. Figures are read from the
maintained aggregates (`storage.reads.channels`), never from events.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from bot.admin.channel_form import (
    ChannelForm,
    ShiftRow,
    field_of,
    with_channel,
    with_enabled,
)
from bot.admin.channel_history import history_lines, site_note
from bot.admin.channel_pages import (
    day_chart,
    figures_of,
    lead_rate,
    qr_state,
    rota_now,
    summed,
    welcome_preview,
)
from bot.admin.guard import reader, require, viewer
from bot.admin.names import names
from bot.admin.roles import Permission
from bot.admin.views.forms import form_text
from bot.app_keys import CACHE, CHANNELS, HTTP, SESSIONS, SETTINGS
from bot.effects.api_clients import official_account_clients
from bot.ops.channel_figures import ChannelFigures, since_day
from bot.ops.channel_ops import ChannelOpsError, ChannelStore
from bot.ops.qr_image import labelled_png
from channels import limits
from channels.model import ChannelTable, QrKind
from filecheck.wording import N_
from keywords.problems import Problem, Severity
from storage.channels.directory import get_channel
from storage.local_days import local_day
from storage.reads.channels import channel_detail, channel_page
from storage.types import utc_now
from wxapi.errors import ApiError

routes = web.RouteTableDef()
PAGE_SIZE = 50
PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30
SOURCE = "channels.toml"  # the name problems carry: the file the site edits is the table's
# "+" is in no key (`channels.table_file`), so these never shadow a channel's page.
NEW = "/channels/+new"
HISTORY = "/channels/+history"


def store_of(request: web.Request) -> ChannelStore:
    config = request.config_dict
    return ChannelStore(config[SETTINGS], config[SESSIONS], config[CACHE])


def channel_url(key: str) -> str:
    return f"/admin/channels/{quote(key, safe='')}"


def _days(request: web.Request) -> int:
    raw = request.query.get("days", "")
    return int(raw) if raw.isdigit() and int(raw) in PERIODS else DEFAULT_DAYS


def _table(request: web.Request) -> ChannelTable:
    """The table this process serves (swapped within seconds of any publish)."""
    live = request.config_dict.get(CHANNELS)
    return live.table if live is not None else ChannelTable()


@routes.get("/channels")
async def channel_list(request: web.Request) -> web.StreamResponse:
    days, now = _days(request), utc_now()
    after = request.query.get("after", "")[:64] or None  # a key is at most 64 characters
    page = await channel_page(request.config_dict[SESSIONS], since_day(now, days), PAGE_SIZE,
                              after)  # fmt: skip
    items = [
        {
            "row": row,
            "figures": figures_of(row.key, row, page.sums.get(row.key)),
            "qr": qr_state(row, now),
        }
        for row in page.rows
    ]
    return aiohttp_jinja2.render_template(
        "channels.html",
        request,
        {
            "items": items, "days": days, "periods": PERIODS, "after": after,
            "next_after": page.next_after, "channel_url": channel_url, "new_url": "/admin" + NEW,
            "history_url": "/admin" + HISTORY,
            "lead_rate": lead_rate,
        },
    )  # fmt: skip


@routes.get(NEW)
@require(Permission.EDIT_KEYWORDS)
async def new_form(request: web.Request) -> web.StreamResponse:
    settings = request.config_dict[SETTINGS]
    form = ChannelForm(
        qr_kind=QrKind.PERMANENT.value if settings.wechat else "",
        qr_account=settings.wechat[0].name if settings.wechat else "",
        wecom_app=settings.wecom[0].name if settings.wecom else "",
    )
    return _form_page(request, form, None)


@routes.post(NEW)
@require(Permission.EDIT_KEYWORDS)
async def create(request: web.Request) -> web.StreamResponse:
    return await _save(request, None)


@routes.get(HISTORY)
async def history(request: web.Request) -> web.StreamResponse:
    """The table's versions, newest first, each with who, when, what and why."""
    raw = request.query.get("published", "")
    return await _history_page(request, published=int(raw) if raw.isdigit() else None)


async def _history_page(
    request: web.Request, *, published: int | None = None, refused: int | None = None,
    problems: tuple[Problem, ...] = (), status: int = 200,
) -> web.StreamResponse:  # fmt: skip
    listed = await store_of(request).history()
    return aiohttp_jinja2.render_template(
        "channel_history.html",
        request,
        {"lines": history_lines(listed), "channel_url": channel_url, "published": published,
         "refused": refused, "problems": [p for p in problems if p.severity is Severity.ERROR]},
        status=status,
    )  # fmt: skip


@routes.post("/channels/+rollback/{version:\\d{1,9}}")
@require(Permission.EDIT_KEYWORDS)
async def rollback(request: web.Request) -> web.StreamResponse:
    """Make an older version live again: `wxbot channels rollback N`, audited the same."""
    number = int(request.match_info["version"])
    try:
        done = await store_of(request).rollback(number, viewer(request).name)
    except ChannelOpsError as error:
        if not error.invalid:
            raise web.HTTPNotFound(
                text=reader(request).gettext(N_("There is no such version"))
            ) from None
        # Checked against today's settings: an account, app or salesperson it names may
        # be gone. The page says which, as the CLI's rollback does.
        return await _history_page(request, refused=number, problems=error.problems,
                                   status=422)  # fmt: skip
    raise web.HTTPSeeOther("/admin" + HISTORY + f"?published={done.version.number}")


@routes.get("/channels/{key}")
async def channel_page_view(request: web.Request) -> web.StreamResponse:
    key, days, now = request.match_info["key"], _days(request), utc_now()
    detail = await channel_detail(request.config_dict[SESSIONS], key, since_day(now, days),
                                  local_day(now))  # fmt: skip
    table = _table(request)
    channel = table.get(key)
    if detail.row is None and channel is None:
        raise web.HTTPNotFound(text=reader(request).gettext(N_("There is no such channel")))
    figures = figures_of(key, detail.row, summed(detail.days))
    words = reader(request)
    customer = request.query.get("as", "").strip()[:32] or words.gettext(N_("Ms. Wang"))
    return aiohttp_jinja2.render_template(
        "channel.html",
        request,
        {
            "key": key, "row": detail.row, "channel": channel, "figures": figures,
            "days": days, "periods": PERIODS, "qr": qr_state(detail.row, now),
            "rota": rota_now(channel, detail.row, detail.adds_today, now) if channel else None,
            "staff": [ChannelFigures(key, figures.name, figures.group, s, c, None)
                      for s, c in detail.staff],
            "welcome": welcome_preview(table, channel, now, customer), "customer": customer,
            "channel_url": channel_url(key), "lead_rate": lead_rate(figures),
            "weekdays": limits.WEEKDAYS,
            "chart": day_chart(detail.days, since_day(now, days), now, words.gettext),
            "published": request.query.get("published"),
        },
    )  # fmt: skip


@routes.get("/channels/{key}/edit")
@require(Permission.EDIT_KEYWORDS)
async def edit_form(request: web.Request) -> web.StreamResponse:
    key = request.match_info["key"]
    # The table this process serves, not a parse of the stored text (1 000 channels take
    # ~0.5 s to read and check); the save checks what is live in the database.
    channel = _table(request).get(key)
    if channel is None:
        raise web.HTTPNotFound(text=reader(request).gettext(N_("There is no such channel")))
    return _form_page(request, ChannelForm.of(channel), key)


@routes.post("/channels/{key}/edit")
@require(Permission.EDIT_KEYWORDS)
async def edit(request: web.Request) -> web.StreamResponse:
    return await _save(request, request.match_info["key"])


async def _save(request: web.Request, key: str | None) -> web.StreamResponse:
    """Check the posted channel inside the live table; publish it when asked and clean."""
    posted = await request.post()
    fields = {name: value for name, value in posted.items() if isinstance(value, str)}
    days = {
        n: [d for d in posted.getall(f"shift-{n}-days", []) if isinstance(d, str)]
        for n in range(limits.WAY_MEMBERS_MAX)
    }
    form = ChannelForm.posted(fields, days)
    if key is not None:
        form.key = key  # the key is the printed codes' scene: it does not change
    action = fields.get("action", "check")
    if action == "add_shift":
        return _form_page(request, form, key, extra_shift=True)
    store = store_of(request)
    live = await store.live()
    if key is not None and live.table.get(key) is None:
        raise web.HTTPNotFound(text=reader(request).gettext(N_("There is no such channel")))
    text = await asyncio.to_thread(with_channel, live.text, form, original_key=key)
    parsed = await store.check(text, SOURCE)
    # A new channel whose key is taken is the parser's "duplicate key" on its line.
    problems = list(parsed.problems)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors or action != "publish":
        return _form_page(request, form, key, problems=problems, checked=True,
                          status=422 if errors else 200)  # fmt: skip
    note = site_note("edit" if key else "new", form.key)
    try:
        done = await store.publish(text, SOURCE, viewer(request).name, note=note)
    except ChannelOpsError as error:  # changed between the check and now
        return _form_page(request, form, key, problems=list(error.problems), checked=True,
                          status=422)  # fmt: skip
    raise web.HTTPSeeOther(channel_url(form.key) + f"?published={done.version.number}")


def _form_page(
    request: web.Request, form: ChannelForm, key: str | None, *,
    problems: list[Problem] | None = None, checked: bool = False, extra_shift: bool = False,
    status: int = 200,
) -> web.StreamResponse:  # fmt: skip
    settings = request.config_dict[SETTINGS]
    found = problems or []
    by_field: dict[str, list[Problem]] = {}
    for problem in found:
        name = field_of(problem, form.key)
        if name is not None:
            by_field.setdefault(name, []).append(problem)
    rows = [*form.rows(), *([ShiftRow()] if extra_shift else [])]
    return aiohttp_jinja2.render_template(
        "channel_form.html",
        request,
        {
            "form": form, "key": key, "rows": rows, "weekdays": limits.WEEKDAYS,
            "accounts": [a.name for a in settings.wechat],
            "apps": [a.name for a in settings.wecom],
            "team": names(request).team(),
            "problems": sorted(found, key=lambda p: (p.severity is Severity.WARNING, p.line)),
            "errors": [p for p in found if p.severity is Severity.ERROR],
            "by_field": by_field, "checked": checked,
            "action_url": "/admin" + NEW if key is None else channel_url(key) + "/edit",
            "back_url": "/admin/channels" if key is None else channel_url(key),
        },
        status=status,
    )  # fmt: skip


@routes.post("/channels/{key}/enabled")
@require(Permission.EDIT_KEYWORDS)
async def switch(request: web.Request) -> web.StreamResponse:
    """Disable (its codes stop being renewed and staffed, its figures stay) or enable."""
    key = request.match_info["key"]
    enabled = form_text(await request.post(), "enabled") == "true"
    store = store_of(request)
    live = await store.live()
    if live.table.get(key) is None:
        raise web.HTTPNotFound(text=reader(request).gettext(N_("There is no such channel")))
    text = await asyncio.to_thread(with_enabled, live.text, key, enabled)
    note = site_note("enable" if enabled else "disable", key)
    try:
        done = await store.publish(text, SOURCE, viewer(request).name, note=note)
    except ChannelOpsError as error:
        raise web.HTTPUnprocessableEntity(text=error.message) from None
    raise web.HTTPSeeOther(channel_url(key) + f"?published={done.version.number}")


@routes.get("/channels/{key}/qr.png")
async def qr_png(request: web.Request) -> web.StreamResponse:
    """The channel's QR code as WeChat draws it, its name under it, ready to print."""
    key = request.match_info["key"]
    words = reader(request)
    config = request.config_dict
    async with config[SESSIONS]() as session:
        row = await get_channel(session, key)
    if row is None or not row.qr_ticket or not row.qr_account:
        raise web.HTTPNotFound(text=words.gettext(N_("This channel has no QR code yet")))
    client = official_account_clients(config[SETTINGS], config[HTTP], config[CACHE]).get(
        row.qr_account
    )
    if client is None:
        raise web.HTTPNotFound(text=words.gettext(N_("This channel has no QR code yet")))
    try:
        code = await client.qrcode_image(row.qr_ticket)
    except ApiError as error:
        raise web.HTTPBadGateway(
            text=words.gettext(N_("WeChat gave no image for this code: %(error)s"))
            % {"error": error}
        ) from None
    png, _caption = await asyncio.to_thread(labelled_png, code, row.name, key)
    disposition = "inline" if request.query.get("inline") else "attachment"
    return web.Response(
        body=png,
        content_type="image/png",
        headers={"Content-Disposition": f'{disposition}; filename="{key}.png"',
                 "Cache-Control": "private, max-age=60"},
    )  # fmt: skip
