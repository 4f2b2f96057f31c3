"""Plain records the fake keeps: what was configured, called and sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

JsonDict = dict[str, Any]
Family = Literal["oa", "wecom"]


@dataclass
class Account:
    """An official account: credentials and its custom tags (id → name)."""

    appid: str
    secret: str
    tags: dict[int, str] = field(default_factory=dict)
    next_tag_id: int = 100


@dataclass
class Follower:
    """A user of one official account; `tag_ids` keeps tagging order."""

    appid: str
    openid: str
    subscribed: bool = True
    unionid: str | None = None
    subscribe_time: int = 0
    subscribe_scene: str = "ADD_SCENE_QR_CODE"
    qr_scene: int = 0
    qr_scene_str: str = ""
    tag_ids: list[int] = field(default_factory=list)
    # Service-window bookkeeping, used only when the window is enforced.
    last_interaction_at: float | None = None
    sent_since_interaction: int = 0


@dataclass
class Corp:
    """A WeCom corp: one secret per agent, and its members' userids."""

    corpid: str
    agent_secrets: dict[int, str] = field(default_factory=dict)
    members: set[str] = field(default_factory=set)


@dataclass
class CorpTag:
    """A customer tag and the group it belongs to."""

    tag_id: str
    name: str
    group_id: str
    group_name: str
    created_at: int
    order: int = 0


@dataclass
class ExternalContact:
    """A customer; `followers` maps each staff userid to that relation's tag ids."""

    external_userid: str
    name: str
    unionid: str | None = None
    followers: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class IssuedToken:
    """An access token and who it belongs to (appid, or corpid + agent)."""

    value: str
    family: Family
    owner: str
    agentid: int | None
    expires_at: float


@dataclass(frozen=True)
class CallRecord:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, str]
    body: JsonDict | None
    at: float


@dataclass(frozen=True)
class Fault:
    """A queued failure for one path: a delay, then an HTTP status or an errcode.

    A delay alone is a slow answer to a call that was carried out; a delay with a
    status or an errcode is a call that stalled and was then refused, undone."""

    errcode: int | None
    http_status: int | None
    delay_s: float


@dataclass(frozen=True)
class CustomMessage:
    """A customer-service message accepted by `message/custom/send`."""

    appid: str
    openid: str
    msgtype: str
    payload: JsonDict
    at: float


@dataclass(frozen=True)
class WeComMessage:
    """An app message accepted by `message/send`."""

    corpid: str
    agentid: int
    msgid: str
    touser: tuple[str, ...]
    msgtype: str
    payload: JsonDict
    at: float
    response_code: str | None = None


@dataclass(frozen=True)
class CardUpdate:
    """A template-card update accepted by `message/update_template_card`."""

    corpid: str
    agentid: int
    response_code: str
    payload: JsonDict
    at: float


@dataclass(frozen=True)
class WebhookMessage:
    """A group-robot message accepted by `webhook/send`."""

    key: str
    payload: JsonDict
    at: float


@dataclass(frozen=True)
class TemplateMessage:
    """A template (`message/template/send`) or subscribe (`subscribe/bizsend`) message."""

    appid: str
    openid: str
    template_id: str
    payload: JsonDict
    at: float
    kind: Literal["template", "subscribe"] = "template"


@dataclass(frozen=True)
class MsgTemplateTask:
    """A task from `externalcontact/add_msg_template`: the sender confirms it in WeCom."""

    corpid: str
    msgid: str
    sender: str
    external_userids: tuple[str, ...]
    payload: JsonDict
    at: float


@dataclass
class QrTicket:
    """A parametric QR code `qrcode/create` made; `expires_at` None for a permanent one."""

    ticket: str
    appid: str
    scene_str: str
    url: str
    expires_at: float | None


@dataclass
class ContactWay:
    """A contact-me code `add_contact_way` made (only the API sees it, not the console)."""

    config_id: str
    corpid: str
    type: int
    scene: int
    state: str
    users: list[str]
    skip_verify: bool
    qr_code: str
    remark: str = ""


@dataclass
class WelcomeCode:
    """A `WelcomeCode` issued with an add: valid 20 s, good for one send."""

    code: str
    corpid: str
    userid: str
    external_userid: str
    issued_at: float
    used: bool = False


@dataclass(frozen=True)
class WelcomeMessage:
    """A welcome `send_welcome_msg` delivered."""

    code: str
    userid: str
    external_userid: str
    payload: JsonDict
    at: float
