"""Driving the admin site over HTTP as a browser would: sign in, read the CSRF token."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Literal

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.admin.keys import SITE
from bot.admin.passwords import hash_password
from bot.config.settings import Settings
from storage.types import utc_now
from tests.conftest import ConfigWriter

BotClient = TestClient[web.Request, web.Application]
SESSION_KEY = "Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMtbG9uZy1rZXk="  # 32 bytes, urlsafe base64
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
Role = Literal["ops", "manager", "viewer"]


def site_settings(
    write_config: ConfigWriter, extra: str = "", keywords: str | None = None
) -> Settings:
    config = f'\n[admin]\nsession_key = "{SESSION_KEY}"\nlockout_failures = 3\n{extra}'
    if keywords is None:
        return write_config(extra=config)
    return write_config(extra=config, keywords=keywords)


async def add_user(bot: BotClient, name: str, role: Role) -> None:
    users = bot.app[SITE].users
    assert await users.add(name, role, await hash_password(PASSWORD), "test", utc_now())


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def sign_in(bot: BotClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; the CSRF token of the signed-in session."""
    page = await bot.get("/admin/login")
    response = await bot.post(
        "/admin/login",
        data={"name": name, "password": password, "csrf": csrf_of(await page.text())},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    home = await bot.get("/admin/users")
    assert home.status == 200
    return csrf_of(await home.text())


class _GridForm(HTMLParser):
    """The grid form's fields as a browser would post them: inputs, textareas, and each
    select's selected option."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        name = found.get("name", "")
        unchecked = found.get("type") == "checkbox" and "checked" not in found
        if tag == "input" and (name.startswith("c-") or name == "rows") and not unchecked:
            self.fields[name] = found.get("value", "")
        elif tag == "textarea" and name.startswith("c-"):
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name.startswith("c-"):
            self._select = name
        elif tag == "option" and self._select is not None and "selected" in found:
            self.fields[self._select] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.fields[self._textarea] += data


def grid_fields(page: str) -> dict[str, str]:
    """The grid form's fields as the browser would post them."""
    reader = _GridForm()
    reader.feed(page)
    assert "rows" in reader.fields
    return reader.fields


def cell_of(fields: dict[str, str], rule: str, column: str) -> str:
    """The field name of `column` in the row of `rule`."""
    for name, value in fields.items():
        if name.endswith("-rule") and value == rule:
            return name.removesuffix("rule") + column
    raise AssertionError(f"no row for rule {rule!r}")
