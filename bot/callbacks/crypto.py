"""Callback signatures and AES message crypto, over wechatpy.

The AES work is wechatpy's (`PrpCrypto`, `WeChatCrypto.encrypt_message`). The
sha1 signature is computed here only so it can be compared in constant time
(`hmac.compare_digest`); wechatpy compares with `!=`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from collections.abc import Sequence

from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import WeChatException


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
        self._ciphers = [PrpCrypto(base64.b64decode(key + "=")) for key in self._keys]
        self._replies = WeChatCrypto(token, self._keys[0], receive_id) if self._keys else None

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
        if self._replies is None:
            raise DecryptError("no encoding_aes_key configured to encrypt a reply")
        return str(self._replies.encrypt_message(xml, nonce, timestamp))
