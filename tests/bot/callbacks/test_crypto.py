"""Known-answer vectors from WeChat's and WeCom's docs, as wechatpy and EasyWeChat test them."""

from __future__ import annotations

import base64
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto

from bot.callbacks.crypto import CallbackCrypto, DecryptError, signature_matches, signature_of
from bot.callbacks.wechat_xml import parse_envelope

V3_TOKEN = "123456"
V3_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
V3_CORP = "wx49f0ab532d5d035a"
V3_ECHOSTR = (
    "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="
)
V3_ENCRYPT = "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
V3_EXPECTED_ENCRYPT = "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"
V4_ENCRYPT = "rTNFcsut4LfGuAFKEUVVpwcaCOTJzOd9twZdIW910jb3k+iicx2uvhttIZ3Qg9Qgty3BEF2xbOrz6boTfb30dMomcgrkTqdFPwnhqbk+kIQ7rZiwny9D7NUrTgA5kpX3KsZvrXzUZyP2x9YOlxbgm572lmxKvM7HAQQhIQ/p6HBmoY30bGXFK0BtIu1pW9TjhOYrLQoU18nWYjWqDA1ynkmOytpv7QRI1P1+0NoxL0q2zO1DgeSvnE8CZGo/o5Ap/WHK5W2RAsinpzN4/LjPnmB6U01I5XCoJoC0GK/yMZycd2Oh8Nq6+wBkC1U85oy0ktOY4nLvsQMLrourmMGdZHuTbqpeJ8Ao/5PRYJ+WBvRUwPfGKBL2+2IKZF49vAJqkcGWSHGE76ZN2erXeuNazf/o9o3lIE3q739o4c8t9QGPe31GT2Go/rOz1BsrASwvauNulCh+++yz+CQzBIuikA=="
V5_ENCRYPT = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="


def test_v1_plaintext_signature() -> None:
    crypto = CallbackCrypto("test", [], "wx")
    assert crypto.url_signature_ok("f21891de399b4e33a1a93c9a7b8a8fffb5a443ff", "1410685589", "test")
    assert not crypto.url_signature_ok(
        "f21891de399b4e33a1a93c9a7b8a8fffb5a443fe", "1410685589", "test"
    )


@pytest.mark.parametrize(
    ("timestamp", "nonce", "expected"),
    [
        ("1714036504", "1514711492", "f464b24fc39322e44b38aa78f5edd27bd1441696"),
        ("1714037059", "486452656", "899cf89e464efb63f54ddac96b0a0a235f53aa78"),
    ],
    ids=["get", "post"],
)
def test_v2_official_doc_signatures(timestamp: str, nonce: str, expected: str) -> None:
    assert signature_of("AAAAA", timestamp, nonce) == expected


def test_v3_wecom_url_check_decrypts_echostr() -> None:
    crypto = CallbackCrypto(V3_TOKEN, [V3_KEY], V3_CORP)
    signature = "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96"
    assert crypto.message_signature_ok(signature, "1411443780", "437374425", V3_ECHOSTR)
    assert not crypto.message_signature_ok(signature, "1411443780", "437374424", V3_ECHOSTR)
    assert crypto.decrypt(V3_ECHOSTR) == "5927782489442352469"


def test_v3_wecom_message_decrypts() -> None:
    crypto = CallbackCrypto(V3_TOKEN, [V3_KEY], V3_CORP)
    assert crypto.message_signature_ok(
        "74d92dfeb87ba7c714f89d98870ae5eb62dff26d", "1411525903", "461056294", V3_ENCRYPT
    )
    fields = parse_envelope(crypto.decrypt(V3_ENCRYPT).encode())
    assert (fields["Content"], fields["FromUserName"], fields["MsgId"], fields["AgentID"]) == (
        "test",
        "messense",
        "4363689963896700987",
        "1",
    )


def test_v3_wecom_encrypt_with_fixed_random_prefix() -> None:
    plaintext = (
        "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n"
        "<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n"
        "<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n"
        "<CreateTime>1411525903</CreateTime>\n</xml>"
    )
    crypto = CallbackCrypto(V3_TOKEN, [V3_KEY], V3_CORP)
    with mock.patch("bot.callbacks.crypto._ReplyCipher.get_random_string") as prefix:
        prefix.return_value = "1234567890123456"
        envelope = parse_envelope(
            crypto.encrypt_reply(plaintext, "461056294", "1411525903").encode()
        )
    assert envelope["Encrypt"] == V3_EXPECTED_ENCRYPT
    assert envelope["MsgSignature"] == "407518b7649e86ef23978113f92d27afa9296533"


def test_v4_official_account_vector_with_appid() -> None:
    crypto = CallbackCrypto(
        "pamtest", ["abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"], "wxb11529c136998cb6"
    )
    assert crypto.message_signature_ok(
        "4f3ad57b6989f09f4eb392acce4f9e93942ed890", "1458300676", "260774613", V4_ENCRYPT
    )
    fields = parse_envelope(crypto.decrypt(V4_ENCRYPT).encode())
    assert (fields["Content"], fields["ToUserName"], fields["FromUserName"]) == (
        "hello",
        "asdasdasd",
        "asdasdasdsadasd",
    )
    assert (fields["CreateTime"], fields["MsgId"]) == ("1234567898", "12345")


def test_v4_with_another_appid_is_refused() -> None:
    crypto = CallbackCrypto(
        "pamtest", ["abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"], "wx_someone_else"
    )
    with pytest.raises(DecryptError):
        crypto.decrypt(V4_ENCRYPT)


def test_v5_wecom_doc_sample() -> None:
    crypto = CallbackCrypto(
        "QDG6eK", ["jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"], "wx5823bf96d3bd56c7"
    )
    assert crypto.message_signature_ok(
        "477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", V5_ENCRYPT
    )
    fields = parse_envelope(crypto.decrypt(V5_ENCRYPT).encode())
    assert (fields["Content"], fields["FromUserName"], fields["AgentID"]) == (
        "hello",
        "mycreate",
        "218",
    )
    assert fields["MsgId"] == "4561255354251345929"


def test_previous_key_is_tried_after_the_current_one() -> None:
    old = CallbackCrypto(V3_TOKEN, [V3_KEY], V3_CORP)
    rotated = CallbackCrypto(
        V3_TOKEN, ["abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", V3_KEY], V3_CORP
    )
    envelope = parse_envelope(old.encrypt_reply("<xml>hi</xml>", "1", "2").encode())
    assert rotated.decrypt(envelope["Encrypt"]) == "<xml>hi</xml>"


@given(st.text(max_size=2000), st.text(alphabet="0123456789", min_size=1, max_size=10))
def test_encrypt_then_decrypt_round_trips(message: str, nonce: str) -> None:
    crypto = CallbackCrypto(V3_TOKEN, [V3_KEY], V3_CORP)
    envelope = parse_envelope(crypto.encrypt_reply(message, nonce, "1411525903").encode())
    assert crypto.message_signature_ok(
        envelope["MsgSignature"], "1411525903", nonce, envelope["Encrypt"]
    )
    assert crypto.decrypt(envelope["Encrypt"]) == message


@given(st.binary(max_size=200))
def test_garbage_never_decrypts_into_an_exception_other_than_decrypt_error(data: bytes) -> None:
    crypto = CallbackCrypto(V3_TOKEN, [V3_KEY], V3_CORP)
    with pytest.raises(DecryptError):
        crypto.decrypt(base64.b64encode(data).decode())


def test_signature_comparison_handles_non_hex_input() -> None:
    assert not signature_matches(("a", "b"), "not-a-signature-中文")


@given(st.text(max_size=500), st.text(alphabet="0123456789", min_size=1, max_size=10))
def test_reply_envelope_is_wechatpys_byte_for_byte(message: str, nonce: str) -> None:
    prefix = "1234567890123456"
    ours = CallbackCrypto(V3_TOKEN, [V3_KEY], V3_CORP)
    theirs = WeChatCrypto(V3_TOKEN, V3_KEY, V3_CORP)
    with (
        mock.patch("bot.callbacks.crypto._ReplyCipher.get_random_string", return_value=prefix),
        mock.patch("wechatpy.crypto.base.BasePrpCrypto.get_random_string", return_value=prefix),
    ):
        assert ours.encrypt_reply(message, nonce, "1411525903") == theirs.encrypt_message(
            message, nonce, "1411525903"
        )


def test_each_reply_gets_a_fresh_random_prefix() -> None:
    crypto = CallbackCrypto(V3_TOKEN, [V3_KEY], V3_CORP)
    sealed = {
        parse_envelope(crypto.encrypt_reply("<xml>hi</xml>", "1", "2").encode())["Encrypt"]
        for _ in range(5)
    }
    assert len(sealed) == 5
