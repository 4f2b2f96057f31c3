"""The text reply's XML is wechatpy's, byte for byte, though rendered without its classes."""

from __future__ import annotations

from unittest import mock

from hypothesis import example, given
from hypothesis import strategies as st
from wechatpy.replies import TextReply

from bot.callbacks.wechat_xml import render_reply
from handlers.messages import Inbound
from handlers.messages import TextReply as TextValue

NAMES = st.text(min_size=1, max_size=40)


@given(NAMES, NAMES, st.text(max_size=300))
@example("o1", "gh_1", "a ]]> b")
def test_a_text_reply_renders_as_wechatpys_text_reply(openid: str, to_user: str, text: str) -> None:
    inbound = Inbound(
        account="main", openid=openid, to_user=to_user, msg_type="text", create_time=1
    )
    with mock.patch("time.time", return_value=1_700_000_000.7):
        ours = render_reply(TextValue(text), inbound)
        theirs = TextReply(
            content=text.replace("]]>", "]]]]><![CDATA[>"), source=to_user, target=openid
        ).render()
    assert ours == theirs
    assert render_reply(text, inbound).startswith("<xml>\n<MsgType><![CDATA[text]]></MsgType>")
