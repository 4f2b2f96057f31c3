"""Callback signatures and AES message crypto, over wechatpy.

The AES work is wechatpy's (`PrpCrypto`). The sha1 signature is computed here
only so it can be compared in constant time (`hmac.compare_digest`); wechatpy
compares with `!=`. A reply's envelope is `WeChatCrypto.encrypt_message`'s, built
here over ciphers made once: wechatpy builds a cipher per reply and draws the
16-byte random prefix with `random.sample`, together a third of the 21 µs an
encrypted reply cost (bench/callback.py's request path).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from collections.abc import Sequence

from wechatpy.crypto import PrpCrypto
from wechatpy.exceptions import WeChatException

# WeChatCrypto.encrypt_message's envelope, byte for byte.
_REPLY_ENVELOPE = """<xml>
<Encrypt><![CDATA[{encrypt}]]></Encrypt>
<MsgSignature><![CDATA[{signature}]]></MsgSignature>
<TimeStamp>{timestamp}</TimeStamp>
<Nonce><![CDATA[{nonce}]]></Nonce>
</xml>"""


class DecryptError(Exception):
    """No configured key decrypts the payload for this receive id."""


def signature_of(*parts: str) -> str:
    """WeChat's signature: sha1 over the parts sorted and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - WeChat's protocol


def signature_matches(expected_parts: Sequence[str], signature: str) -> bool:
    return hmac.compare_digest(signature_of(*expected_parts).encode(), signature.encode())


class CallbackCrypto:
    """One account's token and AES keys: the current key first, then the previous one.

    Trying the previous EncodingAESKey lets ops rotate keys in the console
    without a window in which WeChat's callbacks fail.
    """

    def __init__(self, token: str, aes_keys: Sequence[str], receive_id: str) -> None:
        self.token = token
        self.receive_id = receive_id
        self._keys = [key for key in aes_keys if key]
        self._ciphers = [_ReplyCipher(base64.b64decode(key + "=")) for key in self._keys]

    @property
    def has_aes(self) -> bool:
        return bool(self._keys)

    def url_signature_ok(self, signature: str, timestamp: str, nonce: str) -> bool:
        return signature_matches((self.token, timestamp, nonce), signature)

    def message_signature_ok(self, signature: str, timestamp: str, nonce: str, data: str) -> bool:
        return signature_matches((self.token, timestamp, nonce, data), signature)

    def decrypt(self, encrypted: str) -> str:
        for cipher in self._ciphers:
            try:
                return str(cipher.decrypt(encrypted, self.receive_id))
            except (ValueError, IndexError, struct.error, WeChatException):
                continue
        raise DecryptError(f"no key decrypts this payload for receive id {self.receive_id}")

    def encrypt_reply(self, xml: str, nonce: str, timestamp: str) -> str:
        """The `<xml><Encrypt/><MsgSignature/>…` envelope of a reply, with the current key."""
        if not self._ciphers:
            raise DecryptError("no encoding_aes_key configured to encrypt a reply")
        encrypted = self._ciphers[0].encrypt(xml, self.receive_id).decode()
        signature = signature_of(self.token, timestamp, nonce, encrypted)
        return _REPLY_ENVELOPE.format(
            encrypt=encrypted, signature=signature, timestamp=timestamp, nonce=nonce
        )


class _ReplyCipher(PrpCrypto):  # type: ignore[misc]  # wechatpy is untyped
    """wechatpy's AES cipher, its random prefix drawn from `secrets` (16 hex characters)."""

    def get_random_string(self) -> str:
        return secrets.token_hex(8)
