"""Callback XML in and reply XML out, through wechatpy's parser and reply classes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import cast
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy import parse_message
from wechatpy.replies import ArticlesReply, ImageReply, TextReply

from handlers.messages import ImageReply as ImageValue
from handlers.messages import Inbound, NewsReply, Reply, ReplyValue
from handlers.messages import TextReply as TextValue

MAX_BODY_BYTES = 64 * 1024
# Any markup declaration but CDATA: DOCTYPE and ENTITY have no place in a callback.
_DECLARATION = re.compile(rb"<!(?!\[CDATA\[)")


class MalformedXml(Exception):
    """The body is not a callback document we are willing to parse."""


def parse_envelope(body: bytes) -> Mapping[str, str]:
    """The top-level fields of a callback body (`<xml>…</xml>`), checked for safety first."""
    if _DECLARATION.search(body):
        raise MalformedXml("DOCTYPE or entity declarations are not allowed")
    try:
        document = xmltodict.parse(body, disable_entities=True)
    except (ExpatError, ValueError) as exc:
        raise MalformedXml(f"not well-formed XML: {exc}") from None
    root = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise MalformedXml("the root element must be <xml>")
    return {key: value for key, value in root.items() if isinstance(value, str)}


def to_inbound(account: str, xml: str) -> Inbound:
    """Parse decrypted callback XML with wechatpy into our typed message."""
    fields = parse_envelope(xml.encode())
    for required in ("ToUserName", "FromUserName", "CreateTime", "MsgType"):
        if not fields.get(required):
            raise MalformedXml(f"missing <{required}>")
    if not fields["CreateTime"].isdigit():
        raise MalformedXml("<CreateTime> must be an integer")
    message = parse_message(xml)
    msg_type = fields["MsgType"].lower()
    event = fields.get("Event", "").lower() or None
    event_key = fields.get("EventKey")
    if event == "subscribe" and event_key and event_key.startswith("qrscene_"):
        event_key = event_key.removeprefix("qrscene_")
    content = fields.get("Content") if msg_type == "text" else fields.get("Recognition")
    msg_id = fields.get("MsgId", "")
    return Inbound(
        account=account,
        openid=cast(str, message.source),
        to_user=cast(str, message.target),
        msg_type=msg_type,
        create_time=int(fields["CreateTime"]),
        event=event,
        event_key=event_key or None,
        content=content,
        msg_id=int(msg_id) if msg_id.isdigit() else None,
        fields=fields,
    )


def _cdata_safe(text: str) -> str:
    # wechatpy puts values in CDATA unescaped; a "]]>" would end the section early.
    return text.replace("]]>", "]]]]><![CDATA[>")


def render_reply(value: ReplyValue, inbound: Inbound) -> str:
    """The passive-reply XML for a handler's value; "" means no reply (no retry either)."""
    if value is None:
        return ""
    reply: Reply = TextValue(value) if isinstance(value, str) else value
    common = {"source": inbound.to_user, "target": inbound.openid}
    if isinstance(reply, TextValue):
        return str(TextReply(content=_cdata_safe(reply.text), **common).render())
    if isinstance(reply, ImageValue):
        return str(ImageReply(media_id=_cdata_safe(reply.media_id), **common).render())
    articles = [
        {
            "title": _cdata_safe(article.title),
            "description": _cdata_safe(article.description),
            "image": _cdata_safe(article.picurl),
            "url": _cdata_safe(article.url),
        }
        for article in reply.articles[:8]  # WeChat shows at most 8 (10 in old clients)
    ]
    return str(ArticlesReply(articles=articles, **common).render())


__all__ = [
    "MAX_BODY_BYTES",
    "MalformedXml",
    "NewsReply",
    "parse_envelope",
    "render_reply",
    "to_inbound",
]
