"""Refuse a signed callback URL replayed with another body.

In plaintext mode the URL signature covers only token, timestamp and nonce, so
anyone who saw one callback URL could post any body with it for the whole
timestamp window. Each (timestamp, nonce) is therefore remembered with the
hash of the body it came with, in the cache every process shares: an
identical resend is a retry (answered by dedup as before), the same nonce with
another body is a forgery. One cache round trip in the normal case (a claim,
pipelined with the other claims in flight); a second one only for a resend.

An official account's safe-mode callback is not remembered: its `msg_signature`
covers the encrypted body too, so a captured URL signs that body alone, and its
resend is a retry that dedup answers. Remembering it would even do harm: the
nonce would be claimed before the signature is checked, so a forged body posted
first would get WeChat's genuine callback, and each of its retries, refused.
"""

from __future__ import annotations

import hashlib

from bot.callbacks.limits import MAX_NONCE_CHARS, NONCE_KEY, NONCE_TTL_S
from bot.errors import CallbackRejected
from storage.cache import Cache


def body_digest(body: bytes) -> str:
    """A short fingerprint of the body: 128 bits of sha256 are plenty against collisions."""
    return hashlib.sha256(body).hexdigest()[:32]


def check_nonce(nonce: str) -> None:
    """400 unless `nonce` looks like one WeChat sends."""
    if not nonce or len(nonce) > MAX_NONCE_CHARS or not nonce.isascii():
        raise CallbackRejected(400, f"nonce must be 1-{MAX_NONCE_CHARS} ASCII characters")


async def refuse_replayed_nonce(
    cache: Cache, scope: str, timestamp: str, nonce: str, body: bytes
) -> None:
    """Raise 403 when (timestamp, nonce) was already seen on `scope` with another body.

    `scope` names the edge and the account ("oa:main", "wecom:sales"): two
    accounts may legitimately receive the same nonce.
    """
    check_nonce(nonce)
    key = f"{NONCE_KEY}:{scope}:{timestamp}:{nonce}"
    digest = body_digest(body)
    if await cache.set_if_absent(key, digest, NONCE_TTL_S):
        return
    seen = await cache.get(key)
    # None: the mark expired in between, so the timestamp is out of the window by now
    # and was already checked; nothing to compare against.
    if seen is not None and seen != digest:
        raise CallbackRejected(403, "nonce already used with another body (replay)")
