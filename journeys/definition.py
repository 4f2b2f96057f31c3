"""A journey as data: trigger, entry condition, exits and steps, each with a wait and an action.

Built by `journeys.journeys_file` from `journeys.toml`; read by the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from journeys.expressions import Expr
from journeys.waits import QuietHours, Wait


class ActionKind(StrEnum):
    TEXT = "text"
    NEWS = "news"
    IMAGE = "image"
    MINIPROGRAM = "miniprogram"
    TEMPLATE = "template"
    SUBSCRIBE = "subscribe"
    # A message to the customer through their WeCom owner (externalcontact/add_msg_template).
    WECOM = "wecom"
    # A reminder to the WeCom owner ("call this lead today").
    REMIND = "remind"
    ADD_TAGS = "add_tags"
    REMOVE_TAGS = "remove_tags"
    ADD_POINTS = "add_points"


# Customer-service messages: the 48-hour window applies, and the fallback chain.
CUSTOMER_SERVICE = frozenset(
    {ActionKind.TEXT, ActionKind.NEWS, ActionKind.IMAGE, ActionKind.MINIPROGRAM}
)
# Messages that reach the person: quiet hours, the daily cap and do-not-disturb apply.
MESSAGES = CUSTOMER_SERVICE | {ActionKind.TEMPLATE, ActionKind.SUBSCRIBE, ActionKind.WECOM}

TRIGGER_KINDS = ("tag", "rule", "click", "follow", "grade", "lead", "contact_added", "segment")


@dataclass(frozen=True)
class Template:
    """A template message ops registered (`[[template]]`), named so steps can refer to it."""

    name: str
    template_id: str
    data: Mapping[str, str]
    url: str = ""


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    # The message body's own fields (text, articles, media_id, ...), as written.
    fields: Mapping[str, object] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    points: int = 0
    # TEMPLATE: the template to send; customer-service kinds: the fallback template.
    template: str | None = None
    text: str = ""

    @property
    def is_message(self) -> bool:
        return self.kind in MESSAGES


@dataclass(frozen=True)
class Step:
    wait: Wait
    action: Action
    when: Expr | None = None
    when_text: str = ""
    # Due longer ago than this (the bot was down): skipped rather than sent late.
    stale_after: timedelta | None = None
    line: int = 0


@dataclass(frozen=True)
class Journey:
    name: str
    # "tag:高意向", "click:MENU_PRICE", "follow:spring_expo", "grade:A", "lead:new",
    # "rule:price", "contact_added" or "segment" (entered only by `wxbot journeys start`).
    trigger: str
    steps: tuple[Step, ...]
    when: Expr | None = None
    exit: Expr | None = None
    exit_text: str = ""
    # A new trigger during a run starts it over (default: it is ignored).
    restart: bool = False
    line: int = 0


@dataclass(frozen=True)
class Catalog:
    """Everything in one journeys file."""

    journeys: tuple[Journey, ...] = ()
    templates: Mapping[str, Template] = field(default_factory=dict)
    quiet_hours: QuietHours = field(default_factory=QuietHours)
    # Journey messages one person may get per day across all journeys.
    daily_cap: int = 2

    def get(self, name: str) -> Journey | None:
        return next((j for j in self.journeys if j.name == name), None)

    def triggered_by(self, keys: set[str]) -> list[Journey]:
        return [journey for journey in self.journeys if journey.trigger in keys]
