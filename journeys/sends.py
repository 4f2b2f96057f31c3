"""A journey message as an outbox job: the channels to try, in order, fixed when queued.

The chain is decided when the step fires, from what is known of the person then:
the customer-service message while they follow; the step's template message if it
names one; the message through their WeCom owner (`add_msg_template`, which the
salesperson confirms); a reminder to that owner. The executor tries each in turn
and moves on when a channel cannot reach the person (45015, unfollowed, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import cast

from journeys.definition import CUSTOMER_SERVICE, Action, ActionKind, Catalog, Template
from storage.jobs import JobKind
from storage.profile_facts import ProfileFacts
from storage.records import JobRequest

CUSTOM = "custom"
TEMPLATE = "template"
SUBSCRIBE = "subscribe"
WECOM = "wecom"
REMIND = "remind"


@dataclass(frozen=True)
class Attempt:
    channel: str
    body: Mapping[str, object]


@dataclass(frozen=True)
class JourneySend:
    """The payload of a `journey.send` job."""

    run_id: int
    profile_id: int
    journey: str
    step: int
    attempts: tuple[Attempt, ...]
    # The official account (custom, template, subscribe) and WeCom app (wecom, remind).
    account: str = ""
    wecom_app: str = ""

    def to_payload(self) -> dict[str, object]:
        # The outbox worker runs jobs of one `touser` in order and different ones
        # concurrently: one person's steps stay in order, different people's overlap.
        return {**asdict(self), "touser": f"profile:{self.profile_id}"}

    @classmethod
    def from_payload(cls, payload: Mapping[str, object]) -> JourneySend:
        attempts = cast(list[dict[str, object]], payload["attempts"])
        return cls(
            run_id=int(str(payload["run_id"])),
            profile_id=int(str(payload["profile_id"])),
            journey=str(payload["journey"]),
            step=int(str(payload["step"])),
            attempts=tuple(
                Attempt(str(a["channel"]), cast(dict[str, object], a["body"])) for a in attempts
            ),
            account=str(payload.get("account", "")),
            wecom_app=str(payload.get("wecom_app", "")),
        )


def _custom_body(openid: str, action: Action) -> dict[str, object]:
    fields = dict(action.fields)
    if action.kind == ActionKind.TEXT:
        return {"touser": openid, "msgtype": "text", "text": {"content": action.text}}
    if action.kind == ActionKind.NEWS:
        return {"touser": openid, "msgtype": "news", "news": {"articles": fields["articles"]}}
    if action.kind == ActionKind.IMAGE:
        return {"touser": openid, "msgtype": "image", "image": {"media_id": fields["media_id"]}}
    return {"touser": openid, "msgtype": "miniprogrampage", "miniprogrampage": fields}


def _template_body(openid: str, template: Template, client_msg_id: str) -> dict[str, object]:
    return {
        "touser": openid,
        "template_id": template.template_id,
        "url": template.url,
        "data": {key: {"value": value} for key, value in template.data.items()},
        # WeChat drops a second send with the same id: a retried job sends once.
        "client_msg_id": client_msg_id,
    }


def _subscribe_body(openid: str, action: Action) -> dict[str, object]:
    data = cast(Mapping[str, str], action.fields.get("data", {}))
    return {
        "touser": openid,
        "template_id": action.fields["template_id"],
        "page": action.fields.get("page", ""),
        "data": {key: {"value": value} for key, value in data.items()},
    }


def message_text(action: Action, journey: str) -> str:
    """What the WeCom owner is asked to send, or reminded of, for this step."""
    if action.text:
        return action.text
    articles = action.fields.get("articles")
    if isinstance(articles, list) and articles and isinstance(articles[0], dict):
        return str(articles[0].get("title", journey))
    return str(action.fields.get("title", f"旅程「{journey}」的消息"))


def attempts_for(
    action: Action, facts: ProfileFacts, catalog: Catalog, *, journey: str, key: str
) -> list[Attempt]:
    """The channels to try for this step and person, best first (empty: nobody to reach)."""
    openid = facts.openid if facts.subscribed else None
    chain: list[Attempt] = []
    if openid and action.kind in CUSTOMER_SERVICE:
        chain.append(Attempt(CUSTOM, _custom_body(openid, action)))
    if facts.openid and action.template is not None:
        # A template message still reaches a follower outside the 48-hour window.
        template = catalog.templates[action.template]
        chain.append(Attempt(TEMPLATE, _template_body(facts.openid, template, key)))
    if openid and action.kind == ActionKind.SUBSCRIBE:
        chain.append(Attempt(SUBSCRIBE, _subscribe_body(openid, action)))
    text = message_text(action, journey)
    owner, external = facts.lead_owner, facts.lead_external_userid
    if owner and external and action.kind != ActionKind.REMIND:
        body = {
            "chat_type": "single",
            "external_userid": [external],
            "sender": owner,
            "text": {"content": text},
        }
        chain.append(Attempt(WECOM, body))
    if owner:
        reminder = action.text if action.kind == ActionKind.REMIND else f"请今天联系客户：{text}"
        lead = f"线索 #{facts.lead_id} " if facts.lead_id else ""
        body = {"touser": owner, "msgtype": "text", "text": {"content": f"{lead}{reminder}"}}
        chain.append(Attempt(REMIND, body))
    return chain


class JourneySendKind(JobKind[JourneySend]):
    """`journey.send`: its attempts nest, so the payload reads and writes itself."""

    def request(
        self,
        target: str,
        payload: JourneySend,
        *,
        dedup_key: str | None = None,
        status: str = "pending",
        note: str | None = None,
    ) -> JobRequest:
        return JobRequest(self.name, target, payload.to_payload(), dedup_key, status, note)

    def decode(self, raw: Mapping[str, object]) -> JourneySend:
        return JourneySend.from_payload(raw)


JOURNEY_SEND = JourneySendKind("journey.send", JourneySend)


def send_job(send: JourneySend) -> JobRequest:
    key = f"journey:{send.run_id}:{send.step}"
    return JOURNEY_SEND.request(send.account or send.wecom_app, send, dedup_key=key)
