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


Field = str | int | Mapping[str, "Field"]


def _element(name: str, value: Field) -> str:
    if isinstance(value, Mapping):
        inner = "".join(_element(child, item) for child, item in value.items())
        return f"<{name}>{inner}</{name}>"
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
        # WeChat's nonces are random digits; here they never repeat within a player. A
        # plaintext callback's (timestamp, nonce) is remembered with its body, and two
        # random draws in one second (1 in 10**9 a pair: a few in a thousand load tests
        # at ~1 000 messages a second) were refused as a replay.
        self._nonces = itertools.count(secrets.randbelow(10**9))

    def _stamp(self) -> tuple[str, str]:
        return str(int(self._clock())), str(next(self._nonces))

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

    def menu_tap(self, openid: str, event: str, key: str) -> str:
        """The event a tap on a menu button sends (`event` lower case, as `ButtonType.event`).

        `key` is the button's key, or the URL of a `view` button, the page path of a
        mini-program one; the extra fields are those WeChat adds to each event.
        """
        fields: dict[str, Field] = {"Event": _MENU_EVENT_NAMES.get(event, event), "EventKey": key}
        fields.update(_MENU_EVENT_FIELDS.get(event, {}))
        return self._xml(openid, "event", fields)

    def _xml(
        self,
        openid: str,
        msg_type: str,
        fields: Mapping[str, Field],
        create_time: int | None = None,
    ) -> str:
        head: dict[str, Field] = {
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


# WeChat spells these two in capitals, the others as the button types.
_MENU_EVENT_NAMES = {"click": "CLICK", "view": "VIEW"}
_SCAN: dict[str, Field] = {"ScanCodeInfo": {"ScanType": "qrcode", "ScanResult": "wxbot-demo"}}
_PICS: dict[str, Field] = {
    "SendPicsInfo": {"Count": 1, "PicList": {"item": {"PicMd5Sum": "0" * 32}}}
}
_MENU_EVENT_FIELDS: dict[str, dict[str, Field]] = {
    "view": {"MenuId": 1},
    "view_miniprogram": {"MenuId": 1},
    "scancode_push": _SCAN,
    "scancode_waitmsg": _SCAN,
    "pic_sysphoto": _PICS,
    "pic_photo_or_album": _PICS,
    "pic_weixin": _PICS,
    "location_select": {
        "SendLocationInfo": {
            "Location_X": "31.38", "Location_Y": "121.25", "Scale": 15,
            "Label": "上海市嘉定区星光路1号", "Poiname": "星途汽车展厅",
        }
    },
}  # fmt: skip


def _sender(xml: str) -> str:
    """FromUserName, read without the edge's checks: a test may send a body the edge refuses."""
    document = xmltodict.parse(xml, disable_entities=True)
    return str(document["xml"]["FromUserName"])
