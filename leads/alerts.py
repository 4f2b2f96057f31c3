"""Lead alerts as WeCom messages: the job that carries one, and the bodies it sends.

The body is fixed when the alert is queued, not when it is sent, so a retried
job sends the very same message and WeCom's duplicate check drops the copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from leads.limits import (
    CARD_MESSAGE_CHARS,
    DUPLICATE_CHECK_S,
    LEAD_ALERT,
    LEAD_DIGEST,
    TEXTCARD_URL,
    WECOM_CARD_UPDATE,
    WECOM_TEXT,
)
from storage.interactions import JobRequest

CLAIM = "claim"
CONTACTED = "contacted"


@dataclass(frozen=True)
class LeadSummary:
    """What a salesperson needs to call the person back."""

    lead_id: int
    openid: str
    phone: str | None
    channel: str | None
    tags: tuple[str, ...]
    points: int
    messages: tuple[str, ...]
    grade: str | None = None
    # Grade changes oldest first, e.g. ("-→C", "C→A").
    grade_history: tuple[str, ...] = ()


def grade_text(summary: LeadSummary) -> str | None:
    """ "A（-→C→A）": the grade now and how it got there; None without grades."""
    if summary.grade is None and not summary.grade_history:
        return None
    steps = [summary.grade_history[0].split("→")[0]] if summary.grade_history else []
    steps += [change.split("→")[-1] for change in summary.grade_history]
    path = "→".join(steps)
    return f"{summary.grade or '-'}（{path}）" if path else summary.grade or "-"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def alert_job(
    app: str,
    recipient: str,
    summary: LeadSummary,
    reason: str,
    sequence: int,
    *,
    urgent: bool = False,
) -> JobRequest:
    """One alert card to `recipient`; `sequence` (a timeline id) makes it unique.

    An urgent alert is marked in its title and is never held back for the digest.
    """
    grade = grade_text(summary)
    fields = [
        ["客户", summary.openid],
        ["电话", summary.phone or "未留"],
        ["渠道", summary.channel or "未知"],
        ["标签", "、".join(summary.tags) or "无"],
        ["积分", str(summary.points)],
        *([["等级", grade]] if grade else []),
    ]
    payload: dict[str, object] = {
        "lead_id": summary.lead_id,
        "touser": recipient,
        "task_id": f"lead{summary.lead_id}_{sequence}",
        "title": f"{'【紧急】' if urgent else ''}线索 #{summary.lead_id}",
        "urgent": urgent,
        "reason": reason,
        "fields": fields,
        "messages": [_clip(text, CARD_MESSAGE_CHARS) for text in summary.messages],
    }
    return JobRequest(LEAD_ALERT, app, payload, dedup_key=f"lead-alert:{sequence}:{recipient}")


def text_job(app: str, userids: Sequence[str], text: str, dedup_key: str | None) -> JobRequest:
    """A plain text notice (reassignments, reminders) to staff."""
    payload: dict[str, object] = {"touser": "|".join(userids), "text": text}
    return JobRequest(WECOM_TEXT, app, payload, dedup_key=dedup_key)


def card_update_job(app: str, userid: str, response_code: str, label: str) -> JobRequest:
    """Turn a clicked card's buttons into one greyed-out label."""
    payload: dict[str, object] = {
        "userids": [userid],
        "response_code": response_code,
        "button": {"replace_name": label},
    }
    return JobRequest(WECOM_CARD_UPDATE, app, payload, dedup_key=f"card:{response_code}")


def digest_job(app: str, recipient: str, window: int) -> JobRequest:
    """The one digest per recipient and rate window that sends the alerts held back."""
    payload: dict[str, object] = {"touser": recipient}
    return JobRequest(LEAD_DIGEST, app, payload, dedup_key=f"lead-digest:{recipient}:{window}")


def _dedup(body: Mapping[str, object]) -> dict[str, object]:
    return {**body, "enable_duplicate_check": 1, "duplicate_check_interval": DUPLICATE_CHECK_S}


def _lines(payload: Mapping[str, object]) -> tuple[list[list[str]], list[str]]:
    fields = payload.get("fields")
    messages = payload.get("messages")
    return (
        [[str(k), str(v)] for k, v in fields] if isinstance(fields, list) else [],
        [str(m) for m in messages] if isinstance(messages, list) else [],
    )


def render_card(payload: Mapping[str, object]) -> dict[str, object]:
    """`message/send` body: a button card with Claim and Contacted."""
    fields, messages = _lines(payload)
    lead_id = payload["lead_id"]
    card = {
        "card_type": "button_interaction",
        "source": {"desc": "wxbot 线索"},
        "main_title": {"title": str(payload["title"]), "desc": str(payload["reason"])},
        "horizontal_content_list": [{"keyname": k, "value": v} for k, v in fields],
        "quote_area": {"type": 0, "title": "最近消息", "quote_text": "\n".join(messages)},
        "task_id": str(payload["task_id"]),
        "button_list": [
            {"text": "认领", "style": 1, "key": f"{CLAIM}:{lead_id}"},
            {"text": "已联系", "style": 2, "key": f"{CONTACTED}:{lead_id}"},
        ],
    }
    body = {"touser": str(payload["touser"]), "msgtype": "template_card", "template_card": card}
    return _dedup(body)


def render_textcard(payload: Mapping[str, object]) -> dict[str, object]:
    """The fallback when the app cannot send template cards: same facts, commands to act."""
    fields, messages = _lines(payload)
    lead_id = payload["lead_id"]
    lines = [str(payload["reason"]), *(f"{k}：{v}" for k, v in fields)]
    lines += [f"「{m}」" for m in messages]
    lines.append(f"回复「认领 {lead_id}」认领，「状态 {lead_id} 联系中」记录已联系")
    textcard = {
        "title": str(payload["title"]),
        "description": "\n".join(lines),
        "url": TEXTCARD_URL,
        "btntxt": "详情",
    }
    return _dedup({"touser": str(payload["touser"]), "msgtype": "textcard", "textcard": textcard})


def render_digest(touser: str, titles: Sequence[str]) -> dict[str, object]:
    """Alerts held back in a burst, merged into one markdown message."""
    content = "\n".join(
        [
            f"**{len(titles)} 条新线索**（消息过多，已合并）",
            *(f"> {title}" for title in titles),
            "发送「我的线索」查看，「认领 <编号>」认领",
        ]
    )
    return _dedup({"touser": touser, "msgtype": "markdown", "markdown": {"content": content}})


def parse_button(key: str) -> tuple[str, int] | None:
    """`claim:12` → ("claim", 12); None for a key this bot did not make."""
    action, _, lead = key.partition(":")
    if action not in (CLAIM, CONTACTED) or not lead.isdigit():
        return None
    return action, int(lead)
