"""`wxbot admin add-user|passwd|remove`, the demo seed, and the [admin] site settings."""

from __future__ import annotations

import argparse
import contextlib
import io
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.admin.passwords import verify_password
from bot.admin.seed import seed_demo_user
from bot.admin.site import session_key
from bot.app import create_app
from bot.cli.admin import run_admin
from bot.cli.errors import UsageError
from bot.config.settings import Settings, load_settings
from bot.errors import SettingsError
from storage.admin_users import AdminUsers
from storage.database import create_engine, create_session_factory
from storage.types import utc_now
from tests.bot.admin.site_helpers import SESSION_KEY, add_user, sign_in, site_settings
from tests.conftest import ClientFactory, ConfigWriter


def _args(command: str, name: str, role: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(admin_command=command, name=name, role=role, by="alice-the-admin")


async def _run(settings: Settings, args: argparse.Namespace, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = await run_admin(settings, args, io.StringIO(stdin), out)
    return code, out.getvalue()


@contextlib.asynccontextmanager
async def _users(settings: Settings) -> AsyncIterator[AdminUsers]:
    engine = create_engine(settings.storage.database_url)
    try:
        yield AdminUsers(create_session_factory(engine))
    finally:
        await engine.dispose()


async def test_add_passwd_remove_round_trip_and_are_audited(write_config: ConfigWriter) -> None:
    settings = site_settings(write_config)
    assert await _run(settings, _args("add-user", "alice", "manager"), "first password\n") == (
        0, "added alice (manager)\n",
    )  # fmt: skip
    with pytest.raises(UsageError, match="admin user 'alice' exists already"):
        await _run(settings, _args("add-user", "alice", "ops"), "another one\n")
    assert (await _run(settings, _args("passwd", "alice"), "second password\n"))[0] == 0
    async with _users(settings) as users:
        account = await users.get("alice")
        assert account is not None
        assert account.role == "manager"
        assert await verify_password(account.password_hash, "second password")
        assert not await verify_password(account.password_hash, "first password")
        assert (await _run(settings, _args("remove", "alice")))[0] == 0
        assert await users.get("alice") is None
        actions = [(e.actor, e.action) for e in await users.audit_log(10)]
    by = "alice-the-admin"
    assert actions == [(by, "user.remove"), (by, "user.passwd"), (by, "user.add")]


async def test_short_passwords_and_unknown_users_are_refused(
    write_config: ConfigWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = site_settings(write_config)
    assert (await _run(settings, _args("add-user", "bob", "ops"), "short\n"))[0] == 1
    assert capsys.readouterr().err == "the password needs at least 8 characters\n"
    # The unknown user is said before any password is asked for.
    for command in ("passwd", "remove"):
        with pytest.raises(UsageError, match="no admin user 'nobody'"):
            await _run(settings, _args(command, "nobody"), "")


async def test_list_shows_roles_and_lock_outs(write_config: ConfigWriter) -> None:
    settings = site_settings(write_config)
    assert await _run(settings, argparse.Namespace(admin_command="list")) == (
        0, "no admin users yet: `wxbot admin add-user NAME --role ops` adds one\n",
    )  # fmt: skip
    for name, role in (("bob", "viewer"), ("carol", "ops")):
        await _run(settings, _args("add-user", name, role), "long enough pw\n")
    async with _users(settings) as users:
        now = utc_now()
        await users.record_failure("bob", 1, now, now + timedelta(minutes=15))
    code, out = await _run(settings, argparse.Namespace(admin_command="list"))
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["name", "role", "status"]
    assert lines[1].startswith("bob               viewer    locked until 20")
    assert lines[1].endswith(" UTC+8")
    assert lines[2].split() == ["carol", "ops", "active"]


DEMO_PASSWORD = "wxbot-demo-ops"


def _demo_extra() -> str:
    return f'seed_ops_password = "{DEMO_PASSWORD}"\n'


async def test_the_demo_seeds_ops_once_and_never_resets_a_changed_password(
    write_config: ConfigWriter, aiohttp_client: ClientFactory
) -> None:
    settings = write_config(extra=f"[server]\nmount_fake_api = true\n[admin]\n{_demo_extra()}")
    bot = await aiohttp_client(create_app(settings))
    await sign_in(bot, "ops", "wxbot-demo-ops")
    assert (await _run(settings, _args("passwd", "ops"), "changed password\n"))[0] == 0
    async with _users(settings) as users:
        await seed_demo_user(settings, users)  # a restart
        account = await users.get("ops")
    assert account is not None
    assert await verify_password(account.password_hash, "changed password")


def test_a_seed_password_outside_the_demo_is_a_config_error(write_config: ConfigWriter) -> None:
    with pytest.raises(SettingsError, match="seed_ops_password: is for the demo only"):
        write_config(extra=f'[admin]\nsession_key = "{SESSION_KEY}"\n{_demo_extra()}')


@pytest.mark.parametrize("key", ["short", "x" * 44])
def test_a_bad_session_key_is_a_config_error(write_config: ConfigWriter, key: str) -> None:
    with pytest.raises(SettingsError, match="session_key: must be 32 bytes"):
        write_config(extra=f'[admin]\nsession_key = "{key}"\n')


def test_unknown_admin_keys_are_errors(write_config: ConfigWriter) -> None:
    with pytest.raises(SettingsError, match=r"admin\.lockout: unknown key"):
        write_config(extra="[admin]\nlockout = 3\n")


async def test_without_a_session_key_the_site_is_off(
    write_config: ConfigWriter, aiohttp_client: ClientFactory
) -> None:
    bot = await aiohttp_client(create_app(write_config()))
    assert (await bot.get("/admin/login")).status == 404


async def test_the_site_answers_with_the_configured_key(
    write_config: ConfigWriter, aiohttp_client: ClientFactory
) -> None:
    bot = await aiohttp_client(create_app(site_settings(write_config)))
    await add_user(bot, "alice", "viewer")
    await sign_in(bot, "alice")
    redirect = await bot.get("/admin", allow_redirects=False)
    assert redirect.headers["Location"] == "/admin/"


def test_the_demo_config_seeds_ops_and_derives_a_cookie_key() -> None:
    demo = load_settings(None, {})
    assert demo.server.mount_fake_api
    assert demo.admin.seed_ops_password.reveal() == "wxbot-demo"  # as the README says
    key = session_key(demo)
    assert key is not None
    assert len(key) == 32
    assert session_key(demo) == key  # stable across restarts and workers
