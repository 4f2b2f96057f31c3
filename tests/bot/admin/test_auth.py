"""Sign-in, sessions, CSRF, lock-out and roles of the admin site, over real HTTP."""

from __future__ import annotations

import pytest

from bot.admin.keys import SITE
from bot.app import create_app
from bot.config.settings import Settings
from storage.types import utc_now
from tests.bot.admin.site_helpers import (
    PASSWORD,
    BotClient,
    add_user,
    csrf_of,
    sign_in,
    site_settings,
)
from tests.conftest import ClientFactory, ConfigWriter

PAGES = [
    "/admin/", "/admin/keywords/main", "/admin/try", "/admin/outbox", "/admin/leads",
    "/admin/people", "/admin/users", "/admin/audit", "/admin/keywords/main/history",
    "/admin/keywords/main/export", "/admin/reports", "/admin/leads/1",
    "/admin/channels/+history",
]  # fmt: skip


@pytest.fixture
def settings(write_config: ConfigWriter) -> Settings:
    return site_settings(write_config)


@pytest.mark.parametrize("path", PAGES)
async def test_no_page_without_a_session(bot: BotClient, path: str) -> None:
    response = await bot.get(path, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/admin/login?next=")


async def test_sign_in_sets_an_httponly_samesite_cookie_and_sign_out_ends_it(
    bot: BotClient,
) -> None:
    await add_user(bot, "alice", "ops")
    page = await bot.get("/admin/login")
    response = await bot.post(
        "/admin/login",
        data={"name": "alice", "password": PASSWORD, "csrf": csrf_of(await page.text())},
        allow_redirects=False,
    )
    assert response.status == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # the demo's plain http would never send it back
    home = await bot.get("/admin/audit")
    assert home.status == 200
    assert '<strong translate="no">alice</strong> · 运营' in await home.text()
    csrf = csrf_of(await home.text())
    await bot.post("/admin/logout", data={"csrf": csrf}, allow_redirects=False)
    after = await bot.get("/admin/audit", allow_redirects=False)
    assert after.status == 303


async def test_behind_tls_the_session_cookie_is_secure(
    write_config: ConfigWriter, aiohttp_client: ClientFactory
) -> None:
    bot = await aiohttp_client(create_app(site_settings(write_config, "secure_cookie = true")))
    page = await bot.get("/admin/login")
    assert page.status == 200
    assert "; Secure" in page.headers["Set-Cookie"]


async def test_a_wrong_password_is_refused_without_saying_which_part(bot: BotClient) -> None:
    await add_user(bot, "alice", "ops")
    page = await bot.get("/admin/login")
    csrf = csrf_of(await page.text())
    for name, password in (("alice", "wrong password"), ("nobody", PASSWORD)):
        response = await bot.post(
            "/admin/login", data={"name": name, "password": password, "csrf": csrf}
        )
        assert response.status == 401
        assert "用户名或密码错误" in await response.text()


@pytest.mark.parametrize("token", [None, "", "forged-token"])
async def test_a_missing_or_wrong_csrf_token_is_refused(bot: BotClient, token: str | None) -> None:
    await add_user(bot, "alice", "ops")
    await sign_in(bot, "alice")
    data = {"name": "mallory", "role": "ops", "password": "password123"}
    if token is not None:
        data["csrf"] = token
    response = await bot.post("/admin/users", data=data)
    assert response.status == 403
    assert await bot.app[SITE].users.get("mallory") is None
    # The sign-in form needs it too: a forged cross-site login is refused.
    login = await bot.post("/admin/login", data={"name": "alice", "password": PASSWORD})
    assert login.status == 403


async def test_repeated_failures_lock_the_account_even_for_the_right_password(
    bot: BotClient,
) -> None:
    await add_user(bot, "alice", "ops")
    page = await bot.get("/admin/login")
    csrf = csrf_of(await page.text())
    statuses = []
    for _ in range(3):
        response = await bot.post(
            "/admin/login", data={"name": "alice", "password": "guess-guess", "csrf": csrf}
        )
        statuses.append(response.status)
    assert statuses == [401, 401, 429]
    right = await bot.post(
        "/admin/login", data={"name": "alice", "password": PASSWORD, "csrf": csrf}
    )
    assert right.status == 429
    assert "已锁定" in await right.text()
    entries = await bot.app[SITE].users.audit_log(10)
    assert [(e.action, e.target) for e in entries] == [
        ("user.locked", "alice"),
        ("user.add", "alice"),
    ]


async def test_a_new_password_lifts_the_lock(bot: BotClient) -> None:
    await add_user(bot, "alice", "ops")
    await add_user(bot, "bob", "ops")
    page = await bot.get("/admin/login")
    csrf = csrf_of(await page.text())
    for _ in range(3):
        await bot.post("/admin/login", data={"name": "bob", "password": "nope-nope", "csrf": csrf})
    csrf = await sign_in(bot, "alice")
    response = await bot.post(
        "/admin/users/bob/passwd", data={"csrf": csrf, "password": "a new password"},
        allow_redirects=False,
    )  # fmt: skip
    assert response.status == 303
    await bot.post("/admin/logout", data={"csrf": csrf})
    await sign_in(bot, "bob", "a new password")


async def test_viewers_cannot_change_users_and_ops_changes_are_audited(bot: BotClient) -> None:
    await add_user(bot, "alice", "ops")
    await add_user(bot, "vera", "viewer")
    csrf = await sign_in(bot, "vera")
    response = await bot.post(
        "/admin/users", data={"csrf": csrf, "name": "x", "role": "ops", "password": "12345678"}
    )
    assert response.status == 403
    await bot.post("/admin/logout", data={"csrf": csrf})
    csrf = await sign_in(bot, "alice")
    response = await bot.post(
        "/admin/users", data={"csrf": csrf, "name": "carl", "role": "manager",
                              "password": "12345678"},
    )  # fmt: skip
    assert response.status == 200
    response = await bot.post("/admin/users/vera/remove", data={"csrf": csrf})
    assert response.status == 200
    audit = await (await bot.get("/admin/audit")).text()
    assert "<td>添加后台账号</td>" in audit
    assert "carl" in audit
    assert "<td>删除后台账号</td>" in audit
    # The removed viewer's session is worth nothing now.
    assert await bot.app[SITE].users.get("vera") is None


async def test_a_removed_user_is_signed_out_at_once(
    settings: Settings, aiohttp_client: ClientFactory
) -> None:
    app = create_app(settings)
    vera_client = await aiohttp_client(app)
    await add_user(vera_client, "vera", "viewer")
    await sign_in(vera_client, "vera")
    assert await vera_client.app[SITE].users.remove("vera", "test", utc_now())
    response = await vera_client.get("/admin/users", allow_redirects=False)
    assert response.status == 303


async def test_the_language_switches_to_english_and_back(bot: BotClient) -> None:
    await add_user(bot, "alice", "ops")
    csrf = await sign_in(bot, "alice")
    assert "操作日志" in await (await bot.get("/admin/audit")).text()
    await bot.post("/admin/lang", data={"csrf": csrf, "next": "/admin/audit"})
    assert "Audit log" in await (await bot.get("/admin/audit")).text()


async def test_sign_in_does_not_redirect_off_the_site(bot: BotClient) -> None:
    await add_user(bot, "alice", "ops")
    page = await bot.get("/admin/login?next=https://evil.example/")
    response = await bot.post(
        "/admin/login",
        data={"name": "alice", "password": PASSWORD, "csrf": csrf_of(await page.text()),
              "next": "//evil.example/"},
        allow_redirects=False,
    )  # fmt: skip
    assert response.headers["Location"] == "/admin/"
