"""The official-account callback route: `GET|POST /wechat/{name}`.

Follows wechatpy's encrypted-echo sample: check the signature, decrypt,
parse, dispatch, render, encrypt. Everything refused here is answered with a
precise status and logged once with the reason; nothing here can crash the server.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

from bot.callbacks.checks import check_timestamp, decrypt_envelope, read_limited
from bot.callbacks.crypto import CallbackCrypto
from bot.callbacks.dispatcher import Dispatcher
from bot.callbacks.replay import check_nonce, refuse_replayed_nonce
from bot.callbacks.wechat_xml import MalformedXml, parse_envelope, to_inbound
from bot.config.settings import WeChatAccount
from bot.errors import CallbackRejected
from bot.metrics import Metrics
from storage.cache import Cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OfficialAccountEndpoint:
    """One configured account's callback keys."""

    account: WeChatAccount
    crypto: CallbackCrypto

    @classmethod
    def of(cls, account: WeChatAccount) -> OfficialAccountEndpoint:
        keys = (account.encoding_aes_key.reveal(), account.previous_encoding_aes_key.reveal())
        return cls(account, CallbackCrypto(account.token.reveal(), keys, account.app_id))


class WeChatCallbacks:
    """The request handler for every configured official account."""

    def __init__(
        self,
        endpoints: Mapping[str, OfficialAccountEndpoint],
        dispatcher: Dispatcher,
        metrics: Metrics,
        cache: Cache,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._endpoints = endpoints
        self._gateway = dispatcher
        self._metrics = metrics
        self._cache = cache
        self._clock = clock

    async def handle(self, request: web.Request) -> web.StreamResponse:
        endpoint = self._endpoints.get(request.match_info["name"])
        if endpoint is None:
            raise web.HTTPNotFound(text="unknown account")
        started = time.perf_counter()
        try:
            self._check_url_signature(endpoint, request.query)
            if request.method == "GET":
                return web.Response(text=request.query.get("echostr", ""))
            body = await read_limited(request)
            text = await self._answer(endpoint, request.query, body)
        except CallbackRejected as exc:
            log.warning(
                "callback refused account=%s status=%d reason=%s",
                endpoint.account.name,
                exc.status,
                exc.reason,
            )
            self._metrics.rejections.labels(str(exc.status)).inc()
            return web.Response(status=exc.status, text=exc.reason)
        finally:
            self._metrics.callback_seconds.observe(time.perf_counter() - started)
        # An empty body tells WeChat "no reply" as `success` does.
        return web.Response(
            text=text or "success", content_type="application/xml" if text else "text/plain"
        )

    def _check_url_signature(
        self, endpoint: OfficialAccountEndpoint, query: Mapping[str, str]
    ) -> None:
        timestamp = query.get("timestamp", "")
        nonce = query.get("nonce", "")
        if not endpoint.crypto.url_signature_ok(query.get("signature", ""), timestamp, nonce):
            raise CallbackRejected(403, "invalid signature")
        check_timestamp(timestamp, self._clock())

    async def _answer(
        self, endpoint: OfficialAccountEndpoint, query: Mapping[str, str], body: bytes
    ) -> str:
        try:
            envelope = parse_envelope(body)
        except MalformedXml as exc:
            raise CallbackRejected(400, str(exc)) from None
        encrypted = query.get("encrypt_type", "raw") == "aes"
        if not encrypted and endpoint.account.require_encryption:
            # A safe-mode URL stripped of encrypt_type and msg_signature must not pass
            # as plaintext, whose signature does not cover the body.
            raise CallbackRejected(403, "plaintext callback refused: this account requires AES")
        nonce = query.get("nonce", "")
        if encrypted:
            check_nonce(nonce)  # msg_signature binds the body to it (see bot.callbacks.replay)
        else:
            scope = f"oa:{endpoint.account.name}"
            await refuse_replayed_nonce(self._cache, scope, query["timestamp"], nonce, body)
        try:
            xml = decrypt_envelope(endpoint.crypto, query, envelope) if encrypted else body.decode()
            msg = to_inbound(endpoint.account.name, xml)
        except (MalformedXml, UnicodeDecodeError) as exc:
            raise CallbackRejected(400, str(exc)) from None
        reply = await self._gateway.process(msg)
        if not (encrypted and reply):
            return reply
        return endpoint.crypto.encrypt_reply(reply, query.get("nonce", ""), query["timestamp"])
