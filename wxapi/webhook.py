"""Async client for WeCom group robots (`webhook/send?key=`)."""

from __future__ import annotations

import aiohttp

from wxapi import limits
from wxapi.transport import JsonDict, call_api

_SEND = "/cgi-bin/webhook/send"


class WebhookClient:
    """Posts to group robots. The key is the robot's only credential: never logged."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_base: str = limits.WECOM_API_BASE,
        timeout_s: float = limits.CALL_TIMEOUT_S,
    ) -> None:
        self._session = session
        self._base = api_base.rstrip("/")
        self._timeout_s = timeout_s

    async def send_webhook(self, key: str, payload: JsonDict) -> JsonDict:
        """Send one robot message (20 a minute per robot)."""
        return await call_api(
            self._session,
            "POST",
            self._base + _SEND,
            endpoint=_SEND,
            params={"key": key},
            payload=payload,
            timeout_s=self._timeout_s,
        )
