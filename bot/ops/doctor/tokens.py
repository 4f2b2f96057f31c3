"""`doctor`'s token checks: can this server fetch each account's and app's access token?

A failure says what WeChat or WeCom answered and, only where the answer tells, the
fix: a fix is never guessed. When nothing answers at all, the check says so, and
when the `api_base` is the demo's fake API inside this very bot, that the bot is
not running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from bot.config.settings import Settings
from bot.effects.api_clients import official_account_clients, wecom_clients
from bot.ops.doctor.check import CHECK_TIMEOUT_S, Check
from storage.cache import MemoryCache
from wxapi.errors import ApiError, TransportError

# What each token errcode means, and what to do. Official account (cgi-bin/token,
# stable_token): 40164 this IP is not on the account's IP whitelist; 40013 invalid
# AppID; 40125 invalid AppSecret; 40001 AppSecret wrong. WeCom (gettoken): 60020
# not allowed from this IP; 40013 invalid corpid; 40001 invalid secret.
_OA_FIXES = {
    40164: "add this server's public IP to the account's IP whitelist"
    " (公众平台 → 开发 → 基本配置 → IP白名单)",
    40013: "app_id is not this account's AppID: copy it from 开发 → 基本配置",
    40125: "app_secret is wrong: copy or reset the AppSecret in 开发 → 基本配置",
    40001: "app_secret is wrong: copy or reset the AppSecret in 开发 → 基本配置",
}
_WECOM_FIXES = {
    60020: "add this server's public IP to the app's trusted IPs (应用管理 → the app → 企业可信IP)",
    40013: "corp_id is wrong: copy 企业ID from 我的企业 → 企业信息",
    40001: "secret is wrong: copy the app's Secret from 应用管理 → the app",
}


@dataclass(frozen=True)
class _Probe:
    name: str
    base: str
    fetch: Callable[[], Awaitable[str]]
    fixes: dict[int, str]


async def token_checks(settings: Settings, http: aiohttp.ClientSession) -> list[Check]:
    """One check per [[wechat]] account and [[wecom]] app."""
    # A fresh in-process cache: the check must fetch, not reuse a cached token.
    cache = MemoryCache()
    accounts = official_account_clients(settings, http, cache)
    apps = wecom_clients(settings, http, cache)
    probes = [
        _Probe(f"[[wechat]] {a.name}: access token from {a.api_base}", a.api_base,
               accounts[a.name].token.get, _OA_FIXES)
        for a in settings.wechat
    ] + [
        _Probe(f"[[wecom]] {a.name}: access token from {a.api_base}", a.api_base,
               apps[a.name].token.get, _WECOM_FIXES)
        for a in settings.wecom
    ]  # fmt: skip
    return [await _check(settings, probe) for probe in probes]


async def _check(settings: Settings, probe: _Probe) -> Check:
    unreachable = await _unreachable(probe.base)
    if unreachable is not None:
        if _is_own_fake(settings, probe.base):
            return Check(
                probe.name,
                False,
                f"{unreachable}: the bot is not running (the demo's fake API is served"
                " by `wxbot serve` itself)",
                "start `wxbot serve` in another terminal, then run doctor again",
            )
        return Check(
            probe.name,
            False,
            unreachable,
            "check api_base and that this server reaches it (firewall, proxy, DNS)",
        )
    try:
        await asyncio.wait_for(probe.fetch(), CHECK_TIMEOUT_S)
    except TimeoutError:
        return Check(probe.name, False, f"no answer within {CHECK_TIMEOUT_S:.0f} s")
    except TransportError as error:
        return Check(probe.name, False, f"no usable answer: {error.errmsg}")
    except ApiError as error:
        return Check(
            probe.name,
            False,
            f"errcode {error.errcode}: {error.errmsg}",
            probe.fixes.get(error.errcode, ""),
        )
    return Check(probe.name, True, "token fetched")


async def _unreachable(base: str) -> str | None:
    """Why nothing answers at `base` (refused, unknown host, silent); None: it connects."""
    url = urlsplit(base)
    host = url.hostname or ""
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), CHECK_TIMEOUT_S)
    except TimeoutError:
        return f"no connection to {host}:{port} within {CHECK_TIMEOUT_S:.0f} s"
    except OSError as error:
        return f"cannot connect to {host}:{port} ({error.strerror or error})"
    writer.close()
    await writer.wait_closed()
    return None


def _is_own_fake(settings: Settings, base: str) -> bool:
    """True when `base` is the fake API this config's own `wxbot serve` mounts."""
    server = settings.server
    if not server.mount_fake_api:
        return False
    url = urlsplit(base)
    same_host = url.hostname in {server.host, "localhost", "127.0.0.1"} or server.host in (
        "0.0.0.0",  # noqa: S104 - comparing, not binding
        "::",
    )
    return same_host and url.port == server.port and url.path.rstrip("/") == "/_fake"
