"""Each outbox job drawn as what it sends: a card as the card, a message as a chat
bubble, a tag sync or a lookup as a sentence. Never the payload's JSON.

A lead alert is drawn from the same `render_card` the sender uses, so ops see the card
the salesperson got. A payload this release cannot read (from an older one) is shown
as its fields, one per line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.admin.names import Names
from bot.admin.reader import Reader
from bot.admin.vocabulary import SEND_CHANNEL
from filecheck.wording import N_
from leads.alerts import render_card
from leads.jobs import LEAD_ALERT

Mask = Callable[[str], str]


@dataclass(frozen=True)
class Drawn:
    """How a job's payload is drawn: `shape` picks the template's drawing."""

    shape: str  # "card", "bubbles", "sentence" or "fields"
    to: str = ""  # who receives it, as the reader knows them
    card: Mapping[str, object] = field(default_factory=dict)
    bubbles: Sequence[Mapping[str, object]] = ()
    sentence: str = ""
    data: Sequence[str] = ()  # names, tags or ids the sentence is about (shown as is)
    fields: Sequence[tuple[str, str]] = ()
    then: str = ""  # what is tried next if this does not reach them (journey sends)


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _lead_alert(payload: Mapping[str, object], who: Names) -> Drawn | None:
    try:
        body = render_card(LEAD_ALERT.decode(payload))
    except (TypeError, KeyError, ValueError):
        return None
    card = body.get("template_card")
    if not isinstance(card, dict):
        return None
    return Drawn("card", who.salesperson(str(payload.get("touser"))) or "", card=card)


def _custom_send(payload: Mapping[str, object], words: Reader) -> Drawn:
    kind = str(payload.get("msgtype", ""))
    body = payload.get(kind)
    bubbles: list[Mapping[str, object]] = []
    if kind == "text" and isinstance(body, dict):
        bubbles.append({"text": str(body.get("content", ""))})
    elif kind == "news" and isinstance(body, dict):
        bubbles += [{"article": article} for article in body.get("articles", [])]
    else:
        bubbles.append({"text": words.gettext(N_("An image")) if kind == "image" else kind})
    return Drawn("bubbles", str(payload.get("touser", "")), bubbles=bubbles)


def _tag_sentence(payload: Mapping[str, object], words: Reader, target: str) -> Drawn:
    add, remove = _strings(payload.get("add")), _strings(payload.get("remove"))
    if add and remove:
        sentence = N_("Add %(added)s tags and remove %(removed)s on %(target)s")
    elif remove:
        sentence = N_("Remove %(removed)s tags on %(target)s")
    else:
        sentence = N_("Add %(added)s tags on %(target)s")
    text = words.gettext(sentence) % {"added": len(add), "removed": len(remove), "target": target}
    return Drawn(
        "sentence", sentence=text, data=[*(f"+{t}" for t in add), *(f"−{t}" for t in remove)]
    )


def _journey_send(payload: Mapping[str, object], words: Reader, who: Names) -> Drawn | None:
    attempts = payload.get("attempts")
    if not isinstance(attempts, list) or not attempts or not isinstance(attempts[0], dict):
        return None
    channels = [
        str(attempt.get("channel", "")) for attempt in attempts if isinstance(attempt, dict)
    ]
    body = attempts[0].get("body")
    body = body if isinstance(body, dict) else {}
    then = " → ".join(words.label(SEND_CHANNEL, channel) for channel in channels[1:])
    first = channels[0]
    if first == "custom":
        drawn = _custom_send(body, words)
        return Drawn("bubbles", drawn.to, bubbles=drawn.bubbles, then=then)
    text = body.get("text")
    if first in ("wecom", "remind") and isinstance(text, dict):
        to = who.salesperson(str(body.get("touser") or body.get("sender") or "")) or ""
        return Drawn("bubbles", to, bubbles=[{"text": str(text.get("content", ""))}], then=then)
    sentence = words.gettext(N_("Send a %(channel)s")) % {
        "channel": words.label(SEND_CHANNEL, first)
    }
    return Drawn("sentence", str(body.get("touser", "")), sentence=sentence,
                 data=[str(body.get("template_id", ""))], then=then)  # fmt: skip


def _staff_text(payload: Mapping[str, object], words: Reader, who: Names) -> Drawn:
    to = ", ".join(who.salesperson(u) or u for u in str(payload.get("touser", "")).split("|"))
    return Drawn("bubbles", to, bubbles=[{"text": str(payload.get("text", ""))}])


def _oa_tags(payload: Mapping[str, object], words: Reader, who: Names) -> Drawn:
    drawn = _tag_sentence(payload, words, words.gettext(N_("the official account's followers")))
    to = ", ".join(_strings(payload.get("openids")))
    return Drawn("sentence", to, sentence=drawn.sentence, data=drawn.data)


def _corp_tags(payload: Mapping[str, object], words: Reader, who: Names) -> Drawn:
    drawn = _tag_sentence(payload, words, words.gettext(N_("the WeCom customer")))
    to = str(payload.get("external_userid", ""))
    return Drawn("sentence", to, sentence=drawn.sentence, data=drawn.data)


def _unionid(payload: Mapping[str, object], words: Reader, who: Names) -> Drawn:
    sentence = words.gettext(N_("Ask WeChat for this follower's unionid (user/info)"))
    return Drawn("sentence", str(payload.get("openid", "")), sentence=sentence)


def _refresh(payload: Mapping[str, object], words: Reader, who: Names) -> Drawn:
    sentence = words.gettext(N_("Mirror profile #%(id)s's tags to its new identity"))
    return Drawn("sentence", sentence=sentence % {"id": payload.get("profile_id", "")})


def _contact_added(payload: Mapping[str, object], words: Reader, who: Names) -> Drawn:
    template = N_("Link the new WeCom customer, added by %(by)s through %(channel)s")
    channel = who.channel(str(payload.get("state") or "")) or words.gettext(N_("No channel"))
    fields = {"by": who.salesperson(str(payload.get("userid"))), "channel": channel}
    return Drawn(
        "sentence",
        str(payload.get("external_userid", "")),
        sentence=words.gettext(template) % fields,
    )


def _digest(payload: Mapping[str, object], words: Reader, who: Names) -> Drawn:
    sentence = words.gettext(N_("Send the alerts held back in a burst as one message"))
    return Drawn("sentence", who.salesperson(str(payload.get("touser"))) or "", sentence=sentence)


def _handover_digest(payload: Mapping[str, object], words: Reader, who: Names) -> Drawn:
    lines = _strings(payload.get("lines"))
    sentence = words.ngettext(
        "One card for hand-over #%(id)s from %(name)s: %(num)s lead",
        "One card for hand-over #%(id)s from %(name)s: %(num)s leads",
        len(lines),
    ) % {"id": payload.get("handover_id"), "name": payload.get("from_name"), "num": len(lines)}
    to = who.salesperson(str(payload.get("touser"))) or ""
    return Drawn("sentence", to, sentence=sentence, data=lines)


def _card_update(payload: Mapping[str, object], words: Reader, who: Names) -> Drawn:
    button = payload.get("button")
    label = button.get("replace_name", "") if isinstance(button, dict) else ""
    sentence = words.gettext(N_("Grey out the card's buttons as %(label)s"))
    to = ", ".join(who.salesperson(u) or u for u in _strings(payload.get("userids")))
    return Drawn("sentence", to, sentence=sentence % {"label": f"「{label}」"})


Drawer = Callable[[Mapping[str, object], Reader, Names], "Drawn | None"]


def _transfer_send(payload: Mapping[str, object], words: Reader, who: Names) -> Drawn:
    ids = payload.get("transfer_ids")
    count = len(ids) if isinstance(ids, list) else 0
    template = N_("Move %(count)s WeCom customers of %(from)s to %(to)s (hand-over #%(id)s)")
    to = who.salesperson(str(payload.get("to_userid"))) or ""
    fields = {
        "count": count,
        "from": who.salesperson(str(payload.get("from_userid"))),
        "to": to,
        "id": payload.get("handover_id"),
    }
    return Drawn("sentence", to, sentence=words.gettext(template) % fields)


def _transfer_poll(payload: Mapping[str, object], words: Reader, who: Names) -> Drawn:
    template = N_("Ask WeCom how the customers of %(from)s moving to %(to)s stand")
    fields = {
        "from": who.salesperson(str(payload.get("from_userid"))),
        "to": who.salesperson(str(payload.get("to_userid"))),
    }
    return Drawn("sentence", fields["to"] or "", sentence=words.gettext(template) % fields)


DRAWERS: dict[str, Drawer] = {
    LEAD_ALERT.name: lambda payload, words, who: _lead_alert(payload, who),
    "wechat.custom_send": lambda payload, words, who: _custom_send(payload, words),
    "journey.send": _journey_send,
    "wecom.text": _staff_text,
    "tags.oa_sync": _oa_tags,
    "tags.wecom_sync": _corp_tags,
    "profile.fetch_unionid": _unionid,
    "profile.refresh": _refresh,
    "lead.contact_added": _contact_added,
    "lead.digest": _digest,
    "lead.handover_digest": _handover_digest,
    "wecom.update_card": _card_update,
    "transfer.send": _transfer_send,
    "transfer.poll": _transfer_poll,
}


def draw(kind: str, payload: Mapping[str, object], words: Reader, who: Names, mask: Mask) -> Drawn:
    """`payload` of a job of `kind`, masked already, as it is drawn."""
    drawer = DRAWERS.get(kind)
    drawn = drawer(payload, words, who) if drawer is not None else None
    return drawn or Drawn("fields", str(payload.get("touser", "")), fields=_fields(payload, mask))


def _fields(payload: Mapping[str, object], mask: Mask) -> list[tuple[str, str]]:
    shown = []
    for key, value in payload.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        shown.append((key, mask(text)))
    return shown
