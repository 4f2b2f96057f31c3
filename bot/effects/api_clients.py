"""The API clients of the configured accounts and apps, and job targets resolved against them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import aiohttp

from bot.config.settings import Settings
from storage.cache import Cache
from wxapi.credentials import OfficialAccountCredentials, WeComCredentials
from wxapi.errors import ApiError
from wxapi.official_account import OfficialAccountClient
from wxapi.wecom import WeComClient

T = TypeVar("T")


def official_account_clients(
    settings: Settings, http: aiohttp.ClientSession, cache: Cache
) -> dict[str, OfficialAccountClient]:
    """One client per `[[wechat]]` account, by name (tokens are shared through the cache)."""
    return {
        account.name: OfficialAccountClient(
            http,
            cache,
            OfficialAccountCredentials(account.app_id, account.app_secret.reveal()),
            api_base=account.api_base,
        )
        for account in settings.wechat
    }


def wecom_clients(
    settings: Settings, http: aiohttp.ClientSession, cache: Cache
) -> dict[str, WeComClient]:
    """One client per `[[wecom]]` app, by name (tokens are shared through the cache)."""
    return {
        app.name: WeComClient(
            http,
            cache,
            WeComCredentials(app.corp_id, app.agent_id, app.secret.reveal()),
            api_base=app.api_base,
        )
        for app in settings.wecom
    }


def configured(by_name: Mapping[str, T], target: str, kind: str) -> T:
    """What serves a job's target; a target since removed from the config fails the job for good."""
    found = by_name.get(target)
    if found is None:
        # errcode 0 is no WeChat code, so the worker treats it as permanent.
        raise ApiError(0, f"{target!r} is no longer configured", kind)
    return found
