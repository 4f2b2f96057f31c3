"""Driving the admin site over HTTP as a browser would: sign in, read the CSRF token."""

from __future__ import annotations

import html
import re
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


_INPUT = re.compile(r'<input name="(c-\d+-\w+)" value="([^"]*)"')
_TEXTAREA = re.compile(r'<textarea name="(c-\d+-\w+)"[^>]*>(.*?)</textarea>', re.S)
_SELECT = re.compile(r'<select name="(c-\d+-\w+)"[^>]*>.*?<option value="(\w+)" selected>', re.S)
_ROWS = re.compile(r'name="rows" value="(\d+)"')


def grid_fields(page: str) -> dict[str, str]:
    """The grid form's fields as the browser would post them."""
    fields = {name: html.unescape(value) for name, value in _INPUT.findall(page)}
    fields |= {name: html.unescape(value) for name, value in _TEXTAREA.findall(page)}
    fields |= dict(_SELECT.findall(page))
    rows = _ROWS.search(page)
    assert rows
    fields["rows"] = rows.group(1)
    return fields


def cell_of(fields: dict[str, str], rule: str, column: str) -> str:
    """The field name of `column` in the row of `rule`."""
    for name, value in fields.items():
        if name.endswith("-rule") and value == rule:
            return name.removesuffix("rule") + column
    raise AssertionError(f"no row for rule {rule!r}")
