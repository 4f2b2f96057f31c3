"""Plays WeChat's server: builds callbacks exactly as WeChat signs and encrypts them.

Shipped with the package because the simulator (`wxbot simulate`), the tests
and the benchmarks all need the same faithful client of our callback route.
"""

from __future__ import annotations

import base64
import itertools
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import xmltodict
from wechatpy.crypto import PrpCrypto

from bot.callbacks.crypto import CallbackCrypto, signature_of
from bot.callbacks.wechat_xml import parse_envelope


@dataclass(frozen=True)
class Callback:
    """A ready-to-send callback: query string parameters and body."""

    query: dict[str, str]
    body: bytes
    aes: bool


def _element(name: str, value: str | int) -> str:
    if isinstance(value, int):
        return f"<{name}>{value}</{name}>"
    return f"<{name}><![CDATA[{value.replace(']]>', ']]]]><![CDATA[>')}]]></{name}>"


class WeChatPlayer:
    """Builds callbacks for one official account, as WeChat would send them."""

    def __init__(
        self,
        token: str,
        app_id: str,
        encoding_aes_key: str = "",
        *,
        account_id: str = "gh_wxbot_demo",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._crypto = CallbackCrypto(token, [encoding_aes_key], app_id)
        self._token = token
        self._app_id = app_id
        self._key = encoding_aes_key
        self._account_id = account_id
        self._clock = clock
        # MsgIds are 64-bit; a random start keeps two players from colliding.
        self._msg_ids = itertools.count(secrets.randbelow(2**62))

    def _stamp(self) -> tuple[str, str]:
        return str(int(self._clock())), str(secrets.randbelow(10**9))

    def url_check(self, echostr: str) -> dict[str, str]:
        timestamp, nonce = self._stamp()
        return {
            "signature": signature_of(self._token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": echostr,
        }

    def text(self, openid: str, content: str, msg_id: int | None = None) -> str:
        return self._xml(
            openid,
            "text",
            {"Content": content, "MsgId": msg_id if msg_id is not None else next(self._msg_ids)},
        )

    def voice(self, openid: str, recognition: str, msg_id: int | None = None) -> str:
        """A voice message with WeChat's speech recognition result (`<Recognition>`)."""
        return self._xml(
            openid,
            "voice",
            {
                "MediaId": f"media_{secrets.token_hex(8)}",
                "Format": "amr",
                "Recognition": recognition,
                "MsgId": msg_id if msg_id is not None else next(self._msg_ids),
            },
        )

    def event(
        self, openid: str, event: str, key: str | None = None, create_time: int | None = None
    ) -> str:
        fields: dict[str, str | int] = {"Event": event}
        if key is not None:
            fields["EventKey"] = key
        return self._xml(openid, "event", fields, create_time)

    def _xml(
        self,
        openid: str,
        msg_type: str,
        fields: Mapping[str, str | int],
        create_time: int | None = None,
    ) -> str:
        head: dict[str, str | int] = {
            "ToUserName": self._account_id,
            "FromUserName": openid,
            "CreateTime": create_time if create_time is not None else int(self._clock()),
            "MsgType": msg_type,
        }
        body = "".join(_element(name, value) for name, value in {**head, **fields}.items())
        return f"<xml>{body}</xml>"

    def callback(self, xml: str, *, aes: bool = False) -> Callback:
        """Sign (and with `aes`, encrypt in safe mode) a callback body."""
        timestamp, nonce = self._stamp()
        query = {
            "signature": signature_of(self._token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            # WeChat also names the sender in the query string.
            "openid": _sender(xml),
        }
        if not aes:
            return Callback(query, xml.encode(), aes=False)
        cipher = PrpCrypto(base64.b64decode(self._key + "="))
        encrypted = cipher.encrypt(xml, self._app_id).decode()
        query["encrypt_type"] = "aes"
        query["msg_signature"] = signature_of(self._token, timestamp, nonce, encrypted)
        body = (
            f"<xml>{_element('ToUserName', self._account_id)}{_element('Encrypt', encrypted)}</xml>"
        )
        return Callback(query, body.encode(), aes=True)

    def read_reply(self, callback: Callback, answer: str) -> Mapping[str, str]:
        """The reply's fields ({} for `success`/empty), decrypted and verified in safe mode."""
        if answer in ("", "success"):
            return {}
        fields = parse_envelope(answer.encode())
        if not callback.aes:
            return fields
        encrypted = fields["Encrypt"]
        if not self._crypto.message_signature_ok(
            fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"], encrypted
        ):
            raise ValueError("the reply's MsgSignature does not verify")
        return parse_envelope(self._crypto.decrypt(encrypted).encode())


def _sender(xml: str) -> str:
    """FromUserName, read without the edge's checks: a test may send a body the edge refuses."""
    document = xmltodict.parse(xml, disable_entities=True)
    return str(document["xml"]["FromUserName"])
