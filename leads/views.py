"""How leads read in a chat: lines for `mine`, the profile and timeline for `show`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from leads.alerts import LeadSummary, grade_text
from leads.lifecycle import LeadState, label
from leads.limits import TEAM_TIMEZONE
from leads.policy import LeadPolicy
from leads.wording import Message, say
from storage.lead_models import Lead, LeadEvent

_ZONE = ZoneInfo(TEAM_TIMEZONE)
_DAY_S = 86400
_HOUR_S = 3600

KIND_LABELS = {
    "created": "成为线索",
    "assigned": "分配",
    "pooled": "进入公海",
    "claimed": "认领",
    "claim_timeout": "超时未认领",
    "state": "状态",
    "note": "备注",
    "transferred": "转给",
    "escalated": "跟进提醒",
    "reclaimed": "收回公海",
    "dormant": "转为沉睡",
    "revived": "再次活跃",
    "unlocked": "解锁",
    "contact_added": "添加企微",
    "contact_deleted": "删除企微",
    "graded": "等级",
}


def start_of_day(now: datetime) -> datetime:
    """Midnight of `now`'s day in the team's timezone."""
    local = now.astimezone(_ZONE)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def age(since: datetime, now: datetime) -> Message:
    seconds = max(0, int((now - since).total_seconds()))
    if seconds >= _DAY_S:
        return say("age_days", n=seconds // _DAY_S)
    if seconds >= _HOUR_S:
        return say("age_hours", n=seconds // _HOUR_S)
    return say("age_minutes", n=seconds // 60)


def owner_name(policy: LeadPolicy, userid: str | None) -> str:
    if userid is None:
        return "公海"
    rep = policy.rep(userid)
    return f"{rep.name}({userid})" if rep else userid


def lead_line(lead: Lead, now: datetime) -> Message:
    waiting = say("nothing" if lead.claimed_at or lead.owner is None else "unclaimed")
    state = LeadState(lead.state)
    grade = say("grade_suffix", grade=lead.grade) if lead.grade else say("nothing")
    return say(
        "lead_line",
        id=lead.id,
        state=state,
        waiting=waiting,
        grade=grade,
        age=age(lead.created_at, now),
    )


def _event_line(policy: LeadPolicy, event: LeadEvent) -> str:
    when = event.created_at.astimezone(_ZONE).strftime("%m-%d %H:%M")
    what = KIND_LABELS.get(event.kind, event.kind)
    if event.kind == "state" and event.to_state:
        what += f" {label(event.from_state or '')}→{label(event.to_state)}"
    if event.kind in ("assigned", "transferred", "claimed"):
        what += f" {owner_name(policy, event.owner)}"
    detail = f"：{event.detail}" if event.detail and event.kind != "claim_timeout" else ""
    return f"{when} {what}{detail}（{event.actor}）"


def lead_card_text(
    policy: LeadPolicy,
    lead: Lead,
    summary: LeadSummary,
    events: Sequence[LeadEvent],
) -> str:
    """The whole lead in one chat message: who, how to reach them, what happened."""
    lock = " · 勿扰锁定" if lead.locked else ""
    lines = [
        f"线索 #{lead.id} · {label(lead.state)} · {owner_name(policy, lead.owner)}{lock}",
        f"客户 {summary.openid} · 电话 {summary.phone or '未留'}"
        f" · 渠道 {summary.channel or '未知'}",
        f"标签 {'、'.join(summary.tags) or '无'} · 积分 {summary.points}",
    ]
    grade = grade_text(summary)
    if grade:
        lines.append(f"等级 {grade}")
    if summary.messages:
        lines.append("最近消息：")
        lines += [f"· {text}" for text in summary.messages]
    lines.append("时间线：")
    lines += [_event_line(policy, event) for event in events]
    return "\n".join(lines)


def days(n: int) -> timedelta:
    return timedelta(days=n)
