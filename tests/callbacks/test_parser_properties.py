"""Property tests of the callback parser: any input is a typed message or `MalformedXml`."""

from __future__ import annotations

import contextlib
import time
import tracemalloc
from xml.sax.saxutils import escape

import pytest
import xmltodict
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.callbacks.wechat_xml import (
    FIELD_MAX_CHARS,
    MAX_BODY_BYTES,
    MAX_DEPTH,
    MAX_MSG_ID,
    MAX_UNIX_TIME_S,
    TEXT_FIELDS,
    MalformedXml,
    parse_envelope,
    to_inbound,
)

FIELDS = [
    "ToUserName",
    "FromUserName",
    "CreateTime",
    "MsgType",
    "Content",
    "MsgId",
    "Event",
    "EventKey",
    "Recognition",
    "ChangeType",
]
# Values near the edges: unicode digits, huge numbers, long strings, markup-ish text.
VALUES = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789²³١٢٣٤٥६७", min_size=1, max_size=25),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["text", "event", "subscribe", "qrscene_x", "]]>", "<a>", "&amp;"]),
    st.integers(min_value=100, max_value=300).map(lambda n: "x" * n),
)
DOCUMENTS = st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=len(FIELDS))


def _xml(fields: dict[str, str]) -> str:
    return "<xml>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items()) + "</xml>"


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS)
def test_any_field_values_give_a_bounded_message_or_malformed_xml(fields: dict[str, str]) -> None:
    try:
        msg = to_inbound("main", _xml(fields))
    except MalformedXml:
        return
    assert 0 <= msg.create_time <= MAX_UNIX_TIME_S
    assert msg.msg_id is None or 0 <= msg.msg_id <= MAX_MSG_ID
    for name, limit in FIELD_MAX_CHARS.items():
        assert len(msg.fields.get(name, "")) <= limit
    assert len(msg.openid) <= FIELD_MAX_CHARS["FromUserName"]
    msg.record()  # the stored row can be built (the datetime does not overflow)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_are_an_envelope_or_malformed_xml(body: bytes) -> None:
    started = time.perf_counter()
    with contextlib.suppress(MalformedXml):
        parse_envelope(body)
    assert time.perf_counter() - started < 1.0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_arbitrary_text_is_a_message_or_malformed_xml(text: str) -> None:
    with contextlib.suppress(MalformedXml):
        to_inbound("main", text)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=2000), st.sampled_from(["<a>", "<xml>"]))
def test_deep_nesting_is_refused_or_parsed_quickly(depth: int, tag: str) -> None:
    body = (tag * depth + tag.replace("<", "</") * depth).encode()
    started = time.perf_counter()
    with contextlib.suppress(MalformedXml):
        parse_envelope(b"<xml>" + body + b"</xml>")
    assert time.perf_counter() - started < 1.0


# Found by the atheris target: wechatpy raised AttributeError on a nested <EventKey>.
NESTED_EVENT_KEY = (
    "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>"
    "<CreateTime>1740</CreateTime><MsgType>event</MsgType><Event>subscribe</Event>"
    "<EventKey>qrsm<UserName/>cene_eo</EventKey><Ticket>t</Ticket></xml>"
)


def test_a_nested_event_key_is_malformed_not_a_crash() -> None:
    with pytest.raises(MalformedXml, match="<EventKey> must be text"):
        to_inbound("main", NESTED_EVENT_KEY)


@pytest.mark.parametrize(
    "body",
    [
        b"<xml>" + b"<F>v</F>" * 8000 + b"</xml>",
        b"<xml>" + b"<a>" * 9000 + b"</a>" * 9000 + b"</xml>",
        b"<xml><Content>" + "价".encode() * 20_000 + b"</Content></xml>",
    ],
    ids=["8000-fields", "deep-nesting", "64k-text"],
)
def test_the_largest_accepted_bodies_parse_in_bounded_memory(body: bytes) -> None:
    assert len(body) <= MAX_BODY_BYTES
    tracemalloc.start()
    try:
        with contextlib.suppress(MalformedXml):
            parse_envelope(body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024  # a few MB for a 64 KB body: no amplification


# WeChat's deepest callback: a pictures event from the camera-or-album menu button.
SEND_PICS = (
    "<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName>"
    "<CreateTime>1740</CreateTime><MsgType>event</MsgType><Event>pic_photo_or_album</Event>"
    "<EventKey>k</EventKey><SendPicsInfo><Count>1</Count><PicList><item>"
    "<PicMd5Sum>1b5f7c23b5bf75682a53e7b6d163e185</PicMd5Sum></item></PicList>"
    "</SendPicsInfo></xml>"
)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=40))
def test_nesting_past_the_limit_is_refused_and_wechats_deepest_is_not(depth: int) -> None:
    nested = "<a>" * depth + "v" + "</a>" * depth
    body = SEND_PICS.replace("<EventKey>k</EventKey>", f"<Extra>{nested}</Extra>")
    if depth + 2 > MAX_DEPTH:  # <xml> and <Extra> are two levels
        with pytest.raises(MalformedXml, match=f"nested deeper than {MAX_DEPTH}"):
            parse_envelope(body.encode())
    else:
        assert to_inbound("main", body).event == "pic_photo_or_album"


def _xmltodict_reading(body: bytes) -> dict[str, str] | None:
    """What the parser gave when it was built on xmltodict (None: refused)."""
    root = xmltodict.parse(body, disable_entities=True).get("xml")
    if not isinstance(root, dict):
        return None
    if any(root.get(name) is not None and not isinstance(root[name], str) for name in TEXT_FIELDS):
        return None
    return {k: v for k, v in root.items() if isinstance(v, str) and k[0] not in "@#"}


_NAMES = st.sampled_from(["ToUserName", "Content", "EventKey", "Extra", "item"])
_TEXTS = st.sampled_from(["", " ", "v", "  两边有空格 ", "a&amp;b", "<![CDATA[ <x> ]]>"])
_CHILD = st.one_of(
    st.builds(lambda n, t: f"<{n}>{t}</{n}>", _NAMES, _TEXTS),
    st.builds(lambda n: f"<{n}/>", _NAMES),
    st.builds(lambda n, t: f'<{n} a="1">{t}</{n}>', _NAMES, _TEXTS),
    st.builds(lambda n, m, t: f"<{n}>{t}<{m}>{t}</{m}></{n}>", _NAMES, _NAMES, _TEXTS),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CHILD, min_size=1, max_size=6), _TEXTS)
def test_the_envelope_reads_as_xmltodict_read_it(children: list[str], around: str) -> None:
    body = f"<xml>{around}{''.join(children)}</xml>".encode()
    expected = _xmltodict_reading(body)
    if expected is None:
        with pytest.raises(MalformedXml):
            parse_envelope(body)
    else:
        assert parse_envelope(body) == expected
