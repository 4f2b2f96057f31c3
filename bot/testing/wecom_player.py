"""Plays WeCom's server: builds encrypted app callbacks as WeCom signs and sends them.

The WeCom counterpart of `bot.testing.wechat_player`, for the tests and the simulator:
staff text messages, template-card clicks and customer-contact changes, always
encrypted with the app's EncodingAESKey and the corp id as receive id.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Callable, Mapping

from bot.callbacks.crypto import CallbackCrypto
from bot.callbacks.wechat_xml import parse_envelope
from bot.testing.wechat_player import Callback, _element


class WeComPlayer:
    """Builds callbacks for one WeCom app, as WeCom would send them."""

    def __init__(
        self,
        token: str,
        corp_id: str,
        encoding_aes_key: str,
        agent_id: int,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._crypto = CallbackCrypto(token, [encoding_aes_key], corp_id)
        self._corp_id = corp_id
        self._agent_id = agent_id
        self._clock = clock
        self._msg_ids = itertools.count(int(clock() * 1000) * 1000)
        # Never repeated within a player: the WeCom edge remembers each (timestamp,
        # nonce) with its body, so two random draws in one second were a "replay"
        # (as in `WeChatPlayer`).
        self._nonces = itertools.count(secrets.randbelow(10**9))

    def _stamp(self) -> tuple[str, str]:
        return str(int(self._clock())), str(next(self._nonces))

    def _sealed(self, text: str) -> tuple[dict[str, str], str]:
        """Query (msg_signature, timestamp, nonce) and the ciphertext of `text`."""
        timestamp, nonce = self._stamp()
        sealed = parse_envelope(self._crypto.encrypt_reply(text, nonce, timestamp).encode())
        query = {"msg_signature": sealed["MsgSignature"], "timestamp": timestamp, "nonce": nonce}
        return query, sealed["Encrypt"]

    def url_check(self, echostr: str) -> dict[str, str]:
        """The GET query of WeCom's URL verification; the bot must answer `echostr`."""
        query, encrypted = self._sealed(echostr)
        return {**query, "echostr": encrypted}

    def text(self, userid: str, content: str) -> str:
        return self._xml(userid, "text", {"Content": content, "MsgId": next(self._msg_ids)})

    def card_click(self, userid: str, key: str, response_code: str, task_id: str) -> str:
        """A click on a template card's button."""
        fields: dict[str, str | int] = {
            "Event": "template_card_event",
            "EventKey": key,
            "TaskId": task_id,
            "CardType": "button_interaction",
            "ResponseCode": response_code,
        }
        return self._xml(userid, "event", fields)

    def contact_change(
        self,
        change_type: str,
        userid: str,
        external_userid: str,
        state: str = "",
        welcome_code: str = "",
    ) -> str:
        """A `change_external_contact` event (WeCom sends it from `sys`); an add through a
        contact way carries its `State`, and a `WelcomeCode` unless the two chatted before."""
        fields: dict[str, str | int] = {
            "Event": "change_external_contact",
            "ChangeType": change_type,
            "UserID": userid,
            "ExternalUserID": external_userid,
        }
        if state:
            fields["State"] = state
        if welcome_code:
            fields["WelcomeCode"] = welcome_code
        return self._xml("sys", "event", fields)

    def transfer_fail(self, userid: str, external_userid: str, reason: str) -> str:
        """`change_external_contact` / `transfer_fail`: the customer did not reach `userid`
        (the receiver); `reason` is `customer_refused` or `customer_limit_exceed`."""
        fields: dict[str, str | int] = {
            "Event": "change_external_contact",
            "ChangeType": "transfer_fail",
            "FailReason": reason,
            "UserID": userid,
            "ExternalUserID": external_userid,
        }
        return self._xml("sys", "event", fields)

    def _xml(self, sender: str, msg_type: str, fields: Mapping[str, str | int]) -> str:
        head: dict[str, str | int] = {
            "ToUserName": self._corp_id,
            "FromUserName": sender,
            "CreateTime": int(self._clock()),
            "MsgType": msg_type,
        }
        tail = {"AgentID": self._agent_id}
        body = "".join(_element(k, v) for k, v in {**head, **fields, **tail}.items())
        return f"<xml>{body}</xml>"

    def callback(self, xml: str) -> Callback:
        """Encrypt and sign a callback body as WeCom does (always encrypted)."""
        query, encrypted = self._sealed(xml)
        body = (
            f"<xml>{_element('ToUserName', self._corp_id)}{_element('Encrypt', encrypted)}"
            f"{_element('AgentID', self._agent_id)}</xml>"
        )
        return Callback(query, body.encode(), aes=True)

    def read_reply(self, answer: str) -> Mapping[str, str]:
        """The passive reply's fields ({} for an empty answer), verified and decrypted."""
        if not answer:
            return {}
        fields = parse_envelope(answer.encode())
        encrypted = fields["Encrypt"]
        if not self._crypto.message_signature_ok(
            fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"], encrypted
        ):
            raise ValueError("the reply's MsgSignature does not verify")
        return parse_envelope(self._crypto.decrypt(encrypted).encode())
