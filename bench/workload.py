"""The benchmark's messages: distinct encrypted text callbacks, built just before each run.

WeChat's callbacks carry a timestamp the bot refuses past 300 s
(bot/callbacks/limits.TIMESTAMP_TOLERANCE_S), so a file is written right before
the run that replays it. `WeChatPlayer` builds the same callbacks at ~140 µs
each (wechatpy's PrpCrypto makes a cipher per message, the player parses its
own XML back); this builder encrypts with `cryptography` directly at ~28 µs, which
matters at 100 000+ messages per full run. The servers decrypt every message,
so a wrong byte here shows up as errors in the figures, not as a silent skew.
"""

from __future__ import annotations

import base64
import itertools
import os
import secrets
import struct
import time
from collections.abc import Iterator

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.callbacks.crypto import signature_of
from bot.testing.wechat_player import Callback

TOKEN = "bench-token"
APP_ID = "wxbench000000000"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT_ID = "gh_wxbot_bench"
USERS = 6000
# Every one hits the `price` rule of bench/callback_keywords.csv (tags and points).
MESSAGES = ("请问价格多少", "这款车价格怎么样", "落地多少钱", "发个报价给我", "价格表有吗")


class Workload:
    """Distinct callbacks: a fresh MsgId each, from `USERS` followers in turn."""

    def __init__(
        self, users: int = USERS, messages: tuple[str, ...] = MESSAGES, prefix: str = "o_bench_"
    ) -> None:
        self._key = base64.b64decode(AES_KEY + "=")
        self._users = users
        self._messages = messages
        self._prefix = prefix
        self._msg_ids = itertools.count(secrets.randbelow(2**60))  # distinct across runs
        self._app_id = APP_ID.encode()

    def callbacks(self, count: int) -> Iterator[Callback]:
        now = int(time.time())
        for n in range(count):
            msg_id = next(self._msg_ids)
            openid = f"{self._prefix}{msg_id % self._users:05d}"
            xml = (
                f"<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName>"
                f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
                f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[{self._messages[n % len(self._messages)]}]]></Content>"
                f"<MsgId>{msg_id}</MsgId></xml>"
            ).encode()
            encrypted = self._encrypt(xml)
            timestamp, nonce = str(now), str(secrets.randbelow(10**9))
            query = {
                "signature": signature_of(TOKEN, timestamp, nonce),
                "timestamp": timestamp,
                "nonce": nonce,
                "openid": openid,
                "encrypt_type": "aes",
                "msg_signature": signature_of(TOKEN, timestamp, nonce, encrypted),
            }
            body = (
                f"<xml><ToUserName><![CDATA[{ACCOUNT_ID}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
            )
            yield Callback(query, body.encode(), aes=True)

    def _encrypt(self, xml: bytes) -> str:
        """WeChat's safe mode: AES-CBC (IV = key[:16]) of random(16), len, xml, app id."""
        plain = os.urandom(16) + struct.pack(">I", len(xml)) + xml + self._app_id
        pad = 32 - len(plain) % 32  # WeChat pads PKCS#7-style to 32 bytes, not 16
        encryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).encryptor()
        cipher = encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()
        return base64.b64encode(cipher).decode()
