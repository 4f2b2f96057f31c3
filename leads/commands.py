"""Staff chat commands, Chinese or English: parsed into typed commands or a usage hint."""

from __future__ import annotations

from dataclasses import dataclass

from leads.lifecycle import LABELS, STAFF_STATES, LeadState, parse_state
from leads.wording import Lang

HELP = """线索命令（中英文均可）：
帮助 / help
我的线索 / mine — 我名下的未结线索
公海 / pool — 可认领的线索
认领 / claim <编号>
状态 / status <编号> <状态> — 联系中 未明确意向 明确意向 预约支付 成交 流失
备注 / note <编号> <内容>
转给 / transfer <编号> <userid>
线索 / show <编号> — 资料和时间线
今日 / today — 我和团队的今日数据
解锁 / unlock <编号> — 主管解除成交锁定"""

HELP_EN = """Lead commands (in English or Chinese):
help / 帮助
mine / 我的线索 — your open leads
pool / 公海 — leads to claim
claim / 认领 <id>
status / 状态 <id> <state> — contacting unclear intent booked won lost
note / 备注 <id> <text>
transfer / 转给 <id> <userid>
show / 线索 <id> — profile and timeline
today / 今日 — your and the team's numbers today
unlock / 解锁 <id> — managers: lift a won lead's lock"""


@dataclass(frozen=True)
class Command:
    """A well-formed command: its name and checked arguments."""

    name: str
    lead_id: int | None = None
    state: LeadState | None = None
    text: str = ""
    # The language the command word was typed in: the answer comes in it.
    lang: Lang = Lang.ZH


@dataclass(frozen=True)
class Usage:
    """Not a well-formed command: what to tell the user instead."""

    text: str


_WORDS = {
    "帮助": "help",
    "help": "help",
    "?": "help",
    "？": "help",
    "我的线索": "mine",
    "mine": "mine",
    "我的": "mine",
    "公海": "pool",
    "pool": "pool",
    "认领": "claim",
    "claim": "claim",
    "状态": "status",
    "status": "status",
    "备注": "note",
    "note": "note",
    "转给": "transfer",
    "transfer": "transfer",
    "线索": "show",
    "show": "show",
    "今日": "today",
    "today": "today",
    "解锁": "unlock",
    "unlock": "unlock",
}
_USAGE = {
    "claim": "认领 <编号>，例如：认领 12",
    "status": "状态 <编号> <状态>，例如：状态 12 联系中",
    "note": "备注 <编号> <内容>，例如：备注 12 周六到店",
    "transfer": "转给 <编号> <userid>，例如：转给 12 lisi",
    "show": "线索 <编号>，例如：线索 12",
    "unlock": "解锁 <编号>，例如：解锁 12",
}
_USAGE_EN = {
    "claim": "claim <id>, e.g. claim 12",
    "status": "status <id> <state>, e.g. status 12 contacting",
    "note": "note <id> <text>, e.g. note 12 visits on Saturday",
    "transfer": "transfer <id> <userid>, e.g. transfer 12 lisi",
    "show": "show <id>, e.g. show 12",
    "unlock": "unlock <id>, e.g. unlock 12",
}
_NEEDS_ID = frozenset(_USAGE)
# Both names of each state: staff may type either, so the hint shows both.
_STATE_WORDS = "、".join(
    f"{LABELS[state]}({state.value})" for state in LeadState if state in STAFF_STATES
)


def language_of(word: str) -> Lang:
    """English when the command word is written in Latin letters (`claim`), else Chinese."""
    return Lang.EN if word.isascii() and any(c.isalpha() for c in word) else Lang.ZH


def help_text(lang: Lang) -> str:
    return _pick(lang, HELP, HELP_EN)


def _pick(lang: Lang, chinese: str, english: str) -> str:
    return english if lang is Lang.EN else chinese


def parse_command(text: str) -> Command | Usage:
    """`认领 12` → Command("claim", 12); anything unusable → a short helpful Usage."""
    words = text.strip().lstrip("#").split(maxsplit=2)
    if not words:
        return Usage(HELP)
    lang = language_of(words[0])
    name = _WORDS.get(words[0].lower())
    if name is None:
        typed = text.strip()[:20]
        return Usage(
            _pick(lang, f"没看懂「{typed}」。发送「帮助」查看可用命令",
                  f'Did not understand "{typed}". Send "help" for the commands')
        )  # fmt: skip
    if name not in _NEEDS_ID:
        return Command(name, lang=lang)
    lead = words[1].lstrip("#") if len(words) > 1 else ""
    if not lead.isdigit():
        return Usage(
            _pick(lang, f"请给出线索编号：{_USAGE[name]}", f"Give the lead's id: {_USAGE_EN[name]}")
        )
    rest = words[2].strip() if len(words) > 2 else ""  # noqa: PLR2004
    return _with_arguments(name, int(lead), rest, lang)


def _with_arguments(name: str, lead_id: int, rest: str, lang: Lang) -> Command | Usage:
    usage = (_USAGE_EN if lang is Lang.EN else _USAGE)[name]
    if name == "status":
        state = parse_state(rest)
        if state is None or state not in STAFF_STATES:
            return Usage(
                _pick(lang, f"状态只能是：{_STATE_WORDS}。{usage}",
                      f"The state is one of: {_STATE_WORDS}. {usage}")
            )  # fmt: skip
        return Command(name, lead_id, state=state, lang=lang)
    if name in ("note", "transfer") and not rest:
        return Usage(usage)
    return Command(name, lead_id, text=rest, lang=lang)
