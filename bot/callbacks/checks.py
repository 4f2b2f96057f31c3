"""Checks every callback route makes before trusting a request: one copy for all of them.

The official-account route (`bot.callbacks.official_account`) and the WeCom route
(`bot.callbacks.wecom`) refuse the same things the same way: stale or future
timestamps (replays), oversized bodies, bad `msg_signature`s and payloads no
key decrypts. Each failure is a `CallbackRejected` with the status to answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web

from bot.callbacks.crypto import CallbackCrypto, DecryptError
from bot.callbacks.limits import TIMESTAMP_TOLERANCE_S
from bot.callbacks.wechat_xml import MAX_BODY_BYTES, MAX_UNIX_TIME_S, MalformedXml, parse_ascii_int
from bot.errors import CallbackRejected, RequestDeadlineExceeded

log = logging.getLogger(__name__)


def check_timestamp(timestamp: str, now_s: float) -> None:
    """Refuse a callback signed too far from our clock: a replay, or a broken sender.

    `str.isdigit()` accepts "²" and "١٢", which `int()` then refuses or reads as
    another number: only ASCII digits are a timestamp (400), and only one near
    our clock is accepted (403).
    """
    value = ascii_int(timestamp, "timestamp", MAX_UNIX_TIME_S)
    if abs(now_s - value) > TIMESTAMP_TOLERANCE_S:
        raise CallbackRejected(403, "timestamp outside the allowed window")


def ascii_int(text: str, name: str, maximum: int) -> int:
    """`text` as a non-negative integer of ASCII digits up to `maximum`, else a 400."""
    try:
        return parse_ascii_int(text, name, maximum)
    except MalformedXml as exc:
        raise CallbackRejected(400, str(exc)) from None


async def read_limited(request: web.Request) -> bytes:
    """The body, refused before reading when it is larger than any real callback."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise CallbackRejected(400, f"body over {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.content.iter_chunked(16 * 1024):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise CallbackRejected(400, f"body over {MAX_BODY_BYTES} bytes")
            chunks.append(chunk)
    except ConnectionError as exc:
        # The client went away (or was too slow) mid-body: nobody is left to answer,
        # and it is not our error. One line, no traceback.
        log.info("request body not received path=%s after=%d bytes: %s", request.path, size, exc)
        raise (
            web.HTTPRequestTimeout()
            if isinstance(exc, RequestDeadlineExceeded)
            else (web.HTTPBadRequest())
        ) from None
    return b"".join(chunks)


def decrypt_signed(crypto: CallbackCrypto, query: Mapping[str, str], encrypted: str) -> str:
    """Verify `msg_signature` over `encrypted`, then decrypt it (current key, then previous)."""
    if not crypto.message_signature_ok(
        query.get("msg_signature", ""),
        query.get("timestamp", ""),
        query.get("nonce", ""),
        encrypted,
    ):
        raise CallbackRejected(403, "invalid msg_signature")
    try:
        return crypto.decrypt(encrypted)
    except DecryptError as exc:
        raise CallbackRejected(400, str(exc)) from None


def decrypt_envelope(
    crypto: CallbackCrypto, query: Mapping[str, str], envelope: Mapping[str, str]
) -> str:
    """The decrypted XML of an encrypted callback body (`<xml><Encrypt>…</xml>`)."""
    if not crypto.has_aes:
        raise CallbackRejected(400, "encrypted callback but no encoding_aes_key configured")
    encrypted = envelope.get("Encrypt")
    if not encrypted:
        raise CallbackRejected(400, "missing <Encrypt>")
    return decrypt_signed(crypto, query, encrypted)
