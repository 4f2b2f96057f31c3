"""The site's pages: Jinja2 templates with its i18n extension, in the reader's language.

`{% trans %}` and `_()` in a template translate through the request's `Reader`
(Jinja2's "new style" gettext: the result is escaped and `%(name)s` fields filled,
`_("%(n)s leads", n=3)`), so one environment serves every language at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import get_session

from bot.admin import vocabulary
from bot.admin.guard import csrf_token, reader
from bot.admin.keys import VIEWER
from bot.admin.names import names
from bot.admin.navigation import MENU
from bot.admin.roles import Permission, may

TEMPLATES = Path(__file__).resolve().parent / "templates"


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return str(context["reader"].gettext(message))


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    return str(context["reader"].ngettext(singular, plural, n))


async def page_context(request: web.Request) -> dict[str, Any]:
    """What every template sees: the reader, the viewer (None when signed out), the
    CSRF token for its forms, `may` to show only the buttons a role can use, the
    vocabulary for `reader.label`, and `names` for salespeople and channels."""
    viewer = request.get(VIEWER)
    return {
        "request": request,
        "reader": reader(request),
        "viewer": viewer,
        "csrf": csrf_token(await get_session(request)),
        "may": lambda permission: viewer is not None and may(viewer.role, Permission(permission)),
        "words": vocabulary,
        "names": names(request),
        "menu": MENU,
    }


def setup_templates(site: web.Application) -> None:
    environment = aiohttp_jinja2.setup(
        site,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # message text from followers is hostile input on every page
        context_processors=[page_context],
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True
    )
    environment.policies["ext.i18n.trimmed"] = True
