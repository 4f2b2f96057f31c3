"""Lead alerts as WeCom messages: the job that carries one, and the bodies it sends.

The body is fixed when the alert is queued, not when it is sent, so a retried
job sends the very same message and WeCom's duplicate check drops the copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from leads.jobs import (
    HANDOVER_DIGEST,
    LEAD_ALERT,
    LEAD_DIGEST,
    WECOM_CARD_UPDATE,
    WECOM_TEXT,
    CardUpdate,
    HandoverDigest,
    LeadAlert,
    LeadDigest,
    StaffText,
)
from leads.limits import CARD_MESSAGE_CHARS, DUPLICATE_CHECK_S, HANDOVER_LINES, TEXTCARD_URL
from storage.records import JobRequest

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
    alert = LeadAlert(
        lead_id=summary.lead_id,
        touser=recipient,
        task_id=f"lead{summary.lead_id}_{sequence}",
        title=f"{'【紧急】' if urgent else ''}线索 #{summary.lead_id}",
        reason=reason,
        phone=summary.phone,
        channel=summary.channel,
        fields=fields,
        urgent=urgent,
        messages=[_clip(text, CARD_MESSAGE_CHARS) for text in summary.messages],
    )
    return LEAD_ALERT.request(app, alert, dedup_key=f"lead-alert:{sequence}:{recipient}")


def text_job(app: str, userids: Sequence[str], text: str, dedup_key: str | None) -> JobRequest:
    """A plain text notice (reassignments, reminders) to staff."""
    return WECOM_TEXT.request(app, StaffText("|".join(userids), text), dedup_key=dedup_key)


def card_update_job(app: str, userid: str, response_code: str, label: str) -> JobRequest:
    """Turn a clicked card's buttons into one greyed-out label."""
    update = CardUpdate([userid], response_code, {"replace_name": label})
    return WECOM_CARD_UPDATE.request(app, update, dedup_key=f"card:{response_code}")


def digest_job(app: str, recipient: str, window: int) -> JobRequest:
    """The one digest per recipient and rate window that sends the alerts held back."""
    return LEAD_DIGEST.request(
        app, LeadDigest(recipient), dedup_key=f"lead-digest:{recipient}:{window}"
    )


def handover_digest_job(
    app: str, recipient: str, handover_id: int, from_name: str, lines: Sequence[str]
) -> JobRequest:
    """One card per hand-over and new owner: keyed so, it is queued once, and WeCom's
    duplicate check drops a resend after a worker died between sending and recording."""
    digest = HandoverDigest(recipient, handover_id, from_name, list(lines))
    return HANDOVER_DIGEST.request(app, digest, dedup_key=f"handover:{handover_id}:{recipient}")


def render_handover_digest(digest: HandoverDigest) -> dict[str, object]:
    """Every lead one hand-over gave `touser`, in one markdown message."""
    shown = digest.lines[:HANDOVER_LINES]
    more = len(digest.lines) - len(shown)
    content = "\n".join(
        [
            f"**{digest.from_name} 交接给你 {len(digest.lines)} 条线索**"
            f"（交接 #{digest.handover_id}）",
            *(f"> {line}" for line in shown),
            *([f"> 另有 {more} 条"] if more else []),
            "发送「我的线索」查看",
        ]
    )
    body = {"touser": digest.touser, "msgtype": "markdown", "markdown": {"content": content}}
    return _dedup(body)


def _dedup(body: Mapping[str, object]) -> dict[str, object]:
    return {**body, "enable_duplicate_check": 1, "duplicate_check_interval": DUPLICATE_CHECK_S}


def render_card(alert: LeadAlert) -> dict[str, object]:
    """`message/send` body: a button card with Claim and Contacted."""
    lead_id = alert.lead_id
    card = {
        "card_type": "button_interaction",
        "source": {"desc": "wxbot 线索"},
        "main_title": {"title": alert.title, "desc": alert.reason},
        "horizontal_content_list": [{"keyname": k, "value": v} for k, v in alert.fields],
        "quote_area": {"type": 0, "title": "最近消息", "quote_text": "\n".join(alert.messages)},
        "task_id": alert.task_id,
        "button_list": [
            {"text": "认领", "style": 1, "key": f"{CLAIM}:{lead_id}"},
            {"text": "已联系", "style": 2, "key": f"{CONTACTED}:{lead_id}"},
        ],
    }
    body = {"touser": alert.touser, "msgtype": "template_card", "template_card": card}
    return _dedup(body)


def render_textcard(alert: LeadAlert) -> dict[str, object]:
    """The fallback when the app cannot send template cards: same facts, commands to act."""
    lead_id = alert.lead_id
    lines = [alert.reason, *(f"{k}：{v}" for k, v in alert.fields)]
    lines += [f"「{m}」" for m in alert.messages]
    lines.append(f"回复「认领 {lead_id}」认领，「状态 {lead_id} 联系中」记录已联系")
    textcard = {
        "title": alert.title,
        "description": "\n".join(lines),
        "url": TEXTCARD_URL,
        "btntxt": "详情",
    }
    return _dedup({"touser": alert.touser, "msgtype": "textcard", "textcard": textcard})


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
