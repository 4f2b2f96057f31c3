"""What the bot says to staff, in Chinese and English: one catalogue, keyed by message.

A salesperson who types `claim 12` reads English, one who types `认领 12` reads
Chinese. Actions return a `Message` (a key and its fields), not text, so the
language is chosen once, where the command's language is known. Lead states
render as their Chinese label or their English name.
"""

# ruff: noqa: E501 - the catalogue reads best with one message, both languages, a line

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from leads.lifecycle import LeadState, label


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"


# key → (Chinese, English); fields in braces.
CATALOGUE: Mapping[str, tuple[str, str]] = {
    "verbatim": ("{text}", "{text}"),
    "no_lead": (
        "没有线索 #{id}，发送「我的线索」查看编号",
        'No lead #{id}; send "mine" to see yours',
    ),
    "claimed": (
        "已认领线索 #{id}，请尽快联系客户",
        "Lead #{id} is yours: contact the customer soon",
    ),
    "claim_locked": (
        "线索 #{id} 已成交锁定（勿扰），不能认领",
        "Lead #{id} is won and locked (do not disturb): it cannot be claimed",
    ),
    "claim_closed": (
        "线索 #{id} 已是「{state}」，不能认领",
        "Lead #{id} is already {state}: it cannot be claimed",
    ),
    "already_yours": ("线索 #{id} 已经是你的了", "Lead #{id} is already yours"),
    "assigned_to": ("线索 #{id} 已分配给 {owner}", "Lead #{id} is assigned to {owner}"),
    "at_capacity": (
        "你已有 {max} 条未结线索，达到上限，请先跟进",
        "You have {max} open leads, your limit: follow them up first",
    ),
    "daily_cap": (
        "今天已认领 {claimed} 条，达到每日上限 {cap}",
        "You claimed {claimed} today, the daily limit of {cap}",
    ),
    "state_locked": (
        "线索 #{id} 已成交锁定，需要主管「解锁 {id}」后才能修改",
        'Lead #{id} is won and locked: a manager must "unlock {id}" first',
    ),
    "not_yours": (
        "线索 #{id} 不是你的（负责人：{owner}）",
        "Lead #{id} is not yours (owner: {owner})",
    ),
    "same_state": ("线索 #{id} 已是「{state}」", "Lead #{id} is already {state}"),
    "state_changed": ("线索 #{id}：{before} → {after}", "Lead #{id}: {before} → {after}"),
    "state_changed_locked": (
        "线索 #{id}：{before} → {after}，客户已进入勿扰锁定",
        "Lead #{id}: {before} → {after}; the customer is now locked (do not disturb)",
    ),
    "note_not_yours": ("线索 #{id} 不是你的，不能备注", "Lead #{id} is not yours: no note taken"),
    "noted": ("已为线索 #{id} 记下备注", "Note added to lead #{id}"),
    "transfer_not_yours": ("线索 #{id} 不是你的，不能转出", "Lead #{id} is not yours to transfer"),
    "not_sales": (
        "{target} 不在销售名单中（可选：{names}）",
        "{target} is not in the sales team (choose: {names})",
    ),
    "already_theirs": ("线索 #{id} 已经在 {owner} 名下", "Lead #{id} is already {owner}'s"),
    "their_capacity": ("{owner} 的线索已满（{max} 条）", "{owner} has no room ({max} open leads)"),
    "transferred": ("线索 #{id} 已转给 {owner}", "Lead #{id} transferred to {owner}"),
    "mine_none": (
        "你名下没有未结线索。发送「公海」看看可认领的线索",
        'You have no open leads. Send "pool" to see leads to claim',
    ),
    "mine_head": ("你的未结线索 {count} 条：", "Your open leads ({count}):"),
    "pool_none": ("公海里没有线索", "The pool is empty"),
    "pool_head": ("公海线索 {count} 条：", "Leads in the pool ({count}):"),
    "pool_tail": ("发送「认领 <编号>」认领", 'Send "claim <id>" to claim one'),
    "today": (
        "今日 · 我：新分配 {assigned} · 认领 {claimed} · 跟进 {followed} · 未结 {open}\n"
        "今日 · 团队：新线索 {created} · 认领 {team_claimed} · 成交 {won} · 公海 {pooled}",
        "Today, me: assigned {assigned} · claimed {claimed} · followed up {followed} · open {open}\n"
        "Today, team: new leads {created} · claimed {team_claimed} · won {won} · pool {pooled}",
    ),
    "managers_only": ("只有主管可以解锁线索", "Only managers can unlock leads"),
    "not_locked": ("线索 #{id} 没有锁定", "Lead #{id} is not locked"),
    "lead_line": ("#{id} {state}{waiting}{grade} · {age}", "#{id} {state}{waiting}{grade} · {age}"),
    "grade_suffix": (" · {grade} 级", " · grade {grade}"),
    "unclaimed": (" 待认领", " unclaimed"),
    "nothing": ("", ""),
    "age_days": ("{n}天", "{n} d"),
    "age_hours": ("{n}小时", "{n} h"),
    "age_minutes": ("{n}分钟", "{n} min"),
    "unlocked": (
        "线索 #{id} 已解锁，客户可再次收到提醒",
        "Lead #{id} is unlocked: its alerts resume",
    ),
}


@dataclass(frozen=True)
class Message:
    """A catalogue key and its fields, rendered in the reader's language."""

    key: str
    fields: Mapping[str, object] = field(default_factory=dict)

    def render(self, lang: Lang = Lang.ZH) -> str:
        chinese, english = CATALOGUE[self.key]
        values = {name: _value(value, lang) for name, value in self.fields.items()}
        return (english if lang is Lang.EN else chinese).format(**values)


@dataclass(frozen=True)
class Listing:
    """A heading, one line per item, a closing hint: each rendered in the reader's language."""

    head: Message
    lines: tuple[Message, ...]
    tail: Message | None = None

    def render(self, lang: Lang = Lang.ZH) -> str:
        tail = [self.tail.render(lang)] if self.tail is not None else []
        lines = [line.render(lang) for line in self.lines]
        return "\n".join([self.head.render(lang), *lines, *tail])


Said = Message | Listing


def say(key: str, **fields: object) -> Message:
    if key not in CATALOGUE:
        raise KeyError(f"no message {key!r} in the catalogue")
    return Message(key, fields)


def verbatim(text: str) -> Message:
    """Text that reads the same in both languages (or exists in one only, like `show`)."""
    return Message("verbatim", {"text": text})


def _value(value: object, lang: Lang) -> object:
    if isinstance(value, Message):  # a part of a sentence, e.g. an age
        return value.render(lang)
    if isinstance(value, LeadState):
        return value.value if lang is Lang.EN else label(value)
    return value
