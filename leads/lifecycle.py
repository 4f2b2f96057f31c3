"""Lead states, their Chinese labels, and the words staff may use for them."""

from __future__ import annotations

import enum


class LeadState(enum.StrEnum):
    """待跟进 → 联系中 → 未明确意向 → 明确意向 → 预约支付 → 成交, plus 沉睡 and 流失."""

    NEW = "new"
    CONTACTING = "contacting"
    UNCLEAR = "unclear"
    INTENT = "intent"
    BOOKED = "booked"
    WON = "won"
    DORMANT = "dormant"
    LOST = "lost"


# States that count against a salesperson's capacity and that the timers watch.
OPEN_STATES = (
    LeadState.NEW,
    LeadState.CONTACTING,
    LeadState.UNCLEAR,
    LeadState.INTENT,
    LeadState.BOOKED,
)
# What staff may set with `状态 <id> <state>`; new and dormant belong to the system.
STAFF_STATES = frozenset(
    {
        LeadState.CONTACTING,
        LeadState.UNCLEAR,
        LeadState.INTENT,
        LeadState.BOOKED,
        LeadState.WON,
        LeadState.LOST,
    }
)

LABELS = {
    LeadState.NEW: "待跟进",
    LeadState.CONTACTING: "联系中",
    LeadState.UNCLEAR: "未明确意向",
    LeadState.INTENT: "明确意向",
    LeadState.BOOKED: "预约支付",
    LeadState.WON: "成交",
    LeadState.DORMANT: "沉睡",
    LeadState.LOST: "流失",
}

_ALIASES = {
    "已联系": LeadState.CONTACTING,
    "联系": LeadState.CONTACTING,
    "未明确": LeadState.UNCLEAR,
    "有意向": LeadState.INTENT,
    "意向": LeadState.INTENT,
    "预约": LeadState.BOOKED,
    "已预约": LeadState.BOOKED,
    "赢单": LeadState.WON,
    "已成交": LeadState.WON,
    "战败": LeadState.LOST,
    "丢失": LeadState.LOST,
}


def parse_state(word: str) -> LeadState | None:
    """A state from its English name, its label or a common synonym; None if unknown."""
    word = word.strip().lower()
    for state in LeadState:
        if word in (state.value, LABELS[state]):
            return state
    return _ALIASES.get(word)


def label(state: str) -> str:
    """The Chinese label of a stored state value."""
    try:
        return LABELS[LeadState(state)]
    except ValueError:
        return state
