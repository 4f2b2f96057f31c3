"""The dashboard: the period's figures, in numbers and as ECharts charts."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.admin.dashboard_figures import PERIODS, Figures, dashboard_figures
from bot.admin.guard import reader
from bot.admin.names import Names, names
from bot.admin.reader import Reader
from bot.admin.views.keyword_views import store_of
from bot.admin.vocabulary import FUNNEL
from bot.app_keys import CACHE, SESSIONS
from bot.ops.keyword_reports import default_rules
from filecheck.wording import N_
from storage.types import utc_now

routes = web.RouteTableDef()


def _channel_slice(who: Names, key: str | None) -> str | None:
    """A slice's label: the channel's name and, when it has one, its group."""
    name, group = who.channel(key), who.group(key)
    return f"{name} · {group}" if name and group else name


def chart_data(figures: Figures, words: Reader, who: Names) -> dict[str, object]:
    """What the charts draw, every label already in the reader's language."""
    return {
        "days": figures.days,
        "messages": figures.messages,
        "follows": figures.follows,
        "series": {"messages": words.gettext(N_("Messages")),
                   "follows": words.gettext(N_("Follows"))},
        "coverage": [
            {"name": words.gettext(N_("Answered")), "value": figures.answered},
            {"name": words.gettext(N_("Unanswered")), "value": figures.unanswered},
        ],
        "funnel": [{"name": words.label(FUNNEL, stage), "value": n} for stage, n in figures.funnel],
        "by_channel": [
            {"name": _channel_slice(who, key) or words.gettext(N_("No channel")), "value": n}
            for key, n in figures.by_channel
        ],
        "by_owner": [
            {"name": who.salesperson(key) or words.gettext(N_("Pool")), "value": n}
            for key, n in figures.by_owner
        ],
    }  # fmt: skip


@routes.get("/")
async def dashboard(request: web.Request) -> web.StreamResponse:
    raw = request.query.get("days", "14")
    days = int(raw) if raw.isdigit() and int(raw) in PERIODS else 14
    config = request.config_dict
    defaults = await default_rules(store_of(request))
    figures = await dashboard_figures(config[SESSIONS], config[CACHE], utc_now(), days, defaults)
    return aiohttp_jinja2.render_template(
        "dashboard.html",
        request,
        {
            "days": days,
            "periods": PERIODS,
            "figures": figures,
            # Embedded with |tojson, which escapes <, > and & so no text in it (a
            # channel's name, say) can close the <script> block.
            "charts": chart_data(figures, reader(request), names(request)),
        },
    )
