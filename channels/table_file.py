"""Reading `channels.toml`: every problem at once, each with its line and reason.

TOML because a channel nests (its codes, the rota's shifts, the welcome's variants)
where a spreadsheet would need several sheets joined by key; ops still edit one file
top to bottom, and comments survive (the stored version is the text as published).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import TypeVar

from channels import limits
from channels.model import (
    Attachment,
    Channel,
    ChannelTable,
    ContactWay,
    QrCode,
    QrKind,
    Rota,
    Shift,
    Welcome,
    WelcomeVariant,
    Window,
)
from channels.table_lines import ChannelLines
from filecheck.problems import ProblemsError
from filecheck.wording import N_, Wording
from keywords.problems import Problem, Severity

T = TypeVar("T")
_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")
_SYNTAX_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


class ChannelsError(ProblemsError):
    """A channel table that cannot run: every problem, each with its line and reason."""


@dataclass(frozen=True)
class ChannelContext:
    """What the config knows, to check names against (empty: not checked)."""

    accounts: tuple[str, ...] = ()
    wecom_apps: tuple[str, ...] = ()
    staff: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ParsedChannels:
    """The channels that read cleanly, and every problem found."""

    table: ChannelTable
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)


@dataclass
class _Where:
    source: str
    lines: ChannelLines
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int, path: str, message: str | Wording, warning: bool = False) -> None:
        severity = Severity.WARNING if warning else Severity.ERROR
        self.problems.append(Problem(self.source, line, path, message, severity))


class _Table:
    """One TOML table, read strictly: wrong types and unknown keys are problems, not crashes."""

    def __init__(self, data: Mapping[str, object], path: str, line: int, where: _Where) -> None:
        self.data, self.path, self.line, self.where = data, path, line, where
        self._read: set[str] = set()
        self.failed = False

    def problem(self, key: str, message: str | Wording, warning: bool = False) -> None:
        line = self.where.lines.key(self.line, key) if key else self.line
        self.where.add(line, f"{self.path}.{key}" if key else self.path, message, warning)
        self.failed = self.failed or not warning

    def get(self, key: str, kind: type[T], default: T, what: str) -> T:
        """`key`'s value if it is a `kind`, else a problem naming `what` (an `N_` phrase)."""
        self._read.add(key)
        value = self.data.get(key, default)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.problem(
                key,
                Wording(
                    N_("must be %(what)s, got %(got)s"),
                    {"what": Wording(what), "got": _as_written(value)},
                ),
            )
            return default
        return value

    def text(self, key: str, default: str = "") -> str:
        return self.get(key, str, default, N_("a string")).strip()

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.get(key, list, [], N_("a list of strings"))
        if not all(isinstance(v, str) and v.strip() for v in values):
            self.problem(key, Wording(N_("must be a list of non-empty strings")))
            return ()
        return tuple(dict.fromkeys(str(v).strip() for v in values))

    def sub(self, key: str, *, array_nth: int | None = None) -> Mapping[str, object] | None:
        self._read.add(key)
        value = self.data.get(key)
        if value is None or isinstance(value, dict):
            return value
        self.problem(key, Wording(N_("must be a table, got %(got)s"), {"got": _as_written(value)}))
        return None

    def finish(self) -> None:
        for key in self.data:
            if key not in self._read:
                self.problem(key, Wording(N_("unknown key")))


def _as_written(value: object) -> str | Wording:
    """A wrong value as ops wrote it (`"abc"`, `true`), not a Python type name."""
    if isinstance(value, dict):
        return Wording(N_("a table"))
    if isinstance(value, list):
        return Wording(N_("a list"))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def parse_channels(text: str, source: str, context: ChannelContext) -> ParsedChannels:
    """Every channel of `text` that reads cleanly, and every problem of the file."""
    where = _Where(source, ChannelLines(text))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _SYNTAX_POSITION.search(str(error))
        where.add(int(found[1]) if found else 1, "file",
                  Wording(N_("not valid TOML: %(error)s"), {"error": str(error)}))  # fmt: skip
        return ParsedChannels(ChannelTable(), tuple(where.problems))
    root = _Table(data, "file", 0, where)
    default_welcome = None
    defaults = root.sub("defaults")
    if defaults is not None:
        table = _Table(defaults, "defaults", where.lines.header("defaults", array=False), where)
        default_welcome = _welcome_text(table, "welcome")
        table.finish()
    raw = root.get("channel", list, [], N_("an array of [[channel]] tables"))
    root.finish()
    channels: list[Channel] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        line = where.lines.channel(index)
        if not isinstance(item, dict):
            where.add(line, f"channel #{index + 1}", Wording(N_("must be a table")))
            continue
        key = str(item.get("key", "")).strip()
        duplicate = key in seen
        if duplicate:
            where.add(line, f"channel {key}.key",
                      Wording(N_("duplicate key '%(key)s' (first at line %(line)s)"),
                              {"key": key, "line": seen[key]}))  # fmt: skip
        elif key:
            seen[key] = line
        # Read even a duplicate, so its other problems are listed too.
        channel = _channel(_Table(item, f"channel #{index + 1}", line, where), context)
        if channel is None or duplicate:
            continue
        channels.append(channel)
    _check_names(channels, seen, where)
    return ParsedChannels(ChannelTable(tuple(channels), default_welcome), tuple(where.problems))


def read_channels(path: Path, context: ChannelContext) -> ParsedChannels:
    """`parse_channels` of a file (UTF-8, a BOM is fine)."""
    return parse_channels(path.read_text(encoding="utf-8-sig"), path.name, context)


def _check_names(channels: list[Channel], lines: dict[str, int], where: _Where) -> None:
    names: dict[str, str] = {}
    for channel in channels:
        if channel.name in names:
            where.add(lines[channel.key], f"channel {channel.key}.name",
                      Wording(N_("name '%(name)s' is also channel '%(other)s''s"),
                              {"name": channel.name, "other": names[channel.name]}),
                      warning=True)  # fmt: skip
        names.setdefault(channel.name, channel.key)


def _channel(t: _Table, context: ChannelContext) -> Channel | None:
    key = t.text("key")
    if not key:
        t.problem("key", Wording(N_("is required (the QR scene and contact-way state)")))
    elif len(key) > limits.SCENE_STR_MAX:
        t.problem("key", Wording(N_("is %(n)s characters; a QR scene_str is 1-%(max)s"),
                                 {"n": len(key), "max": limits.SCENE_STR_MAX}))  # fmt: skip
    elif not _KEY.match(key):
        t.problem("key", Wording(N_("may hold letters, digits, '_', '-' and '.' only")))
    t.path = f"channel {key or t.path}"
    name = t.text("name")
    if not name:
        t.problem(
            "name", Wording(N_("is required (the name people read on cards and under the code)"))
        )
    elif len(name) > limits.NAME_MAX:
        t.problem("name", Wording(N_("is %(n)s characters; at most %(max)s"),
                                  {"n": len(name), "max": limits.NAME_MAX}))  # fmt: skip
    points = t.get("points", int, 0, N_("a whole number"))
    cost = _cost(t)
    channel = Channel(
        key=key,
        name=name,
        group=t.text("group"),
        tags=t.texts("tags"),
        points=points,
        cost=cost,
        enabled=t.get("enabled", bool, True, N_("true or false")),
        qr=_qr(t, context),
        wecom=_wecom(t, key, context),
        welcome=_welcome(t),
    )
    t.finish()
    return None if t.failed else channel


def _cost(t: _Table) -> float | None:
    value = t.get("cost", object, None, N_("a number of yuan"))
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        t.problem("cost", Wording(N_("must be a number of yuan, 0 or more")))
        return None
    return float(value)


def _child(t: _Table, name: str, array: bool = False, nth: int = 0) -> int:
    return t.where.lines.header(name, array=array, top=t.line, nth=nth)


def _qr(t: _Table, context: ChannelContext) -> QrCode | None:
    raw = t.sub("qr")
    if raw is None:
        return None
    q = _Table(raw, f"{t.path}.qr", _child(t, "channel.qr"), t.where)
    account = q.text("account", context.accounts[0] if context.accounts else "")
    if context.accounts and account not in context.accounts:
        q.problem(
            "account", Wording(N_("names no [[wechat]] account: '%(name)s'"), {"name": account})
        )
    kind_text = q.text("kind", QrKind.PERMANENT.value)
    kind = QrKind.PERMANENT
    if kind_text not in {k.value for k in QrKind}:
        q.problem("kind", Wording(N_("unknown value '%(value)s' (temporary or permanent)"),
                                  {"value": kind_text}))  # fmt: skip
    else:
        kind = QrKind(kind_text)
    days = q.get("expire_days", int, limits.QR_EXPIRE_MAX_DAYS, N_("a whole number of days"))
    if not 1 <= days <= limits.QR_EXPIRE_MAX_DAYS:
        q.problem("expire_days", Wording(N_("must be 1-%(max)s (WeChat's 2592000 s)"),
                                         {"max": limits.QR_EXPIRE_MAX_DAYS}))  # fmt: skip
    if kind is QrKind.PERMANENT and "expire_days" in raw:
        q.problem("expire_days", Wording(N_("a permanent code does not expire")), warning=True)
    q.finish()
    t.failed = t.failed or q.failed
    return QrCode(account, kind, days)


def _wecom(t: _Table, key: str, context: ChannelContext) -> ContactWay | None:
    raw = t.sub("wecom")
    if raw is None:
        return None
    w = _Table(raw, f"{t.path}.wecom", _child(t, "channel.wecom"), t.where)
    if len(key) > limits.STATE_MAX:
        w.problem("", Wording(N_("key '%(key)s' is %(n)s characters; a contact way's state is"
                                 " at most %(max)s"),
                              {"key": key, "n": len(key), "max": limits.STATE_MAX}))  # fmt: skip
    app = w.text("app", context.wecom_apps[0] if context.wecom_apps else "")
    if context.wecom_apps and app not in context.wecom_apps:
        w.problem("app", Wording(N_("names no [[wecom]] app: '%(name)s'"), {"name": app}))
    cap = w.get("cap", int, 0, N_("a whole number of adds a day"))
    if cap < 0:
        w.problem("cap", Wording(N_("must not be negative (0: no cap)")))
    backups = w.texts("backups")
    hours = _window(w, "skip_verify_hours")
    shifts = _shifts(w, t, w.get("shift", list, [], N_("an array of [[channel.wecom.shift]]")))
    rota = Rota(tuple(shifts), cap, backups)
    unknown = [p for p in rota.everyone() if context.staff and p not in context.staff]
    if unknown:
        # A warning: someone who leaves the team leaves every rota, and the bot still runs.
        w.problem("backups" if set(unknown) & set(backups) else "shift",
                  Wording(N_("not on the sales team ([[leads.sales]]): %(names)s;"
                             " left off the code while they are not"),
                          {"names": ", ".join(unknown)}), warning=True)  # fmt: skip
    if not rota.everyone():
        w.problem("shift", Wording(N_("a contact-me code needs staff: a [[channel.wecom.shift]]"
                                      " or backups")))  # fmt: skip
    if len(rota.everyone()) > limits.WAY_MEMBERS_MAX:
        w.problem(
            "shift",
            Wording(
                N_("%(n)s people; a code takes at most %(max)s"),
                {"n": len(rota.everyone()), "max": limits.WAY_MEMBERS_MAX},
            ),
        )
    way = ContactWay(app, rota, w.get("skip_verify", bool, True, N_("true or false")), hours)
    w.finish()
    t.failed = t.failed or w.failed
    return way


def _shifts(w: _Table, t: _Table, raw: list[object]) -> list[Shift]:
    shifts = []
    for nth, item in enumerate(raw):
        line = _child(t, "channel.wecom.shift", array=True, nth=nth)
        if not isinstance(item, dict):
            w.where.add(line, f"{w.path}.shift #{nth + 1}", Wording(N_("must be a table")))
            w.failed = True
            continue
        s = _Table(item, f"{w.path}.shift #{nth + 1}", line, w.where)
        days = _days(s)
        window = _window(s, "hours") or Window(time(0, 0), time(23, 59))
        staff = s.texts("staff")
        if not staff:
            s.problem("staff", Wording(N_("is required: the WeCom userids on this shift")))
        s.finish()
        w.failed = w.failed or s.failed
        shifts.append(Shift(days, window.start, window.end, staff))
    return shifts


def _days(t: _Table) -> frozenset[int]:
    names = t.texts("days")
    if not names:
        return frozenset(range(7))
    wrong = [n for n in names if n.lower() not in limits.WEEKDAYS]
    if wrong:
        t.problem("days", Wording(N_("unknown day '%(day)s' (mon, tue, wed, thu, fri, sat, sun)"),
                                  {"day": wrong[0]}))  # fmt: skip
    return frozenset(limits.WEEKDAYS.index(n.lower()) for n in names if n not in wrong)


def _window(t: _Table, key: str) -> Window | None:
    text = t.text(key)
    if not text:
        return None
    found = _WINDOW.match(text)
    clock: Callable[[str, str], time | None] = _clock
    start = clock(found[1], found[2]) if found else None
    end = clock(found[3], found[4]) if found else None
    if start is None or end is None:
        t.problem(
            key, Wording(N_("'%(text)s' is not HH:MM-HH:MM (e.g. 09:00-18:00)"), {"text": text})
        )
        return None
    if start >= end:
        t.problem(key, Wording(N_("'%(text)s' must end after it starts, the same day"
                                  " (split a night shift)"), {"text": text}))  # fmt: skip
        return None
    return Window(start, end)


def _clock(hours: str, minutes: str) -> time | None:
    h, m = int(hours), int(minutes)
    if h == 24 and m == 0:  # noqa: PLR2004 - "18:00-24:00" means to the end of the day
        return time(23, 59, 59)
    return time(h, m) if h < 24 and m < 60 else None  # noqa: PLR2004 - the clock's limits


def _welcome(t: _Table) -> Welcome | None:
    raw = t.sub("welcome")
    if raw is None:
        return None
    w = _Table(raw, f"{t.path}.welcome", _child(t, "channel.welcome"), t.where)
    text = w.text("text")
    if not text:
        w.problem("text", Wording(N_("is required")))
    attachments = _attachments(w)
    variants = []
    for nth, item in enumerate(
        w.get("variant", list, [], N_("an array of [[channel.welcome.variant]]"))
    ):
        line = _child(t, "channel.welcome.variant", array=True, nth=nth)
        if not isinstance(item, dict):
            w.where.add(line, f"{w.path}.variant #{nth + 1}", Wording(N_("must be a table")))
            w.failed = True
            continue
        v = _Table(item, f"{w.path}.variant #{nth + 1}", line, w.where)
        variant = WelcomeVariant(_days(v), _window(v, "hours"), v.text("text") or text,
                                 _attachments(v) or attachments)  # fmt: skip
        v.finish()
        w.failed = w.failed or v.failed
        variants.append(variant)
    w.finish()
    t.failed = t.failed or w.failed
    return Welcome(text, attachments, tuple(variants))


def _welcome_text(t: _Table, key: str) -> Welcome | None:
    text = t.text(key)
    return Welcome(text) if text else None


def _attachments(t: _Table) -> tuple[Attachment, ...]:
    raw = t.get("attachments", list, [], N_("a list of tables"))
    if len(raw) > limits.WELCOME_ATTACHMENTS_MAX:
        t.problem(
            "attachments",
            Wording(
                N_("%(n)s attachments; send_welcome_msg takes at most %(max)s"),
                {"n": len(raw), "max": limits.WELCOME_ATTACHMENTS_MAX},
            ),
        )
    found = []
    for nth, item in enumerate(raw, 1):
        kind = next(iter(item), "") if isinstance(item, dict) and len(item) == 1 else ""
        body = item.get(kind) if isinstance(item, dict) else None
        if kind not in limits.ATTACHMENT_TYPES or not isinstance(body, dict):
            t.problem(
                "attachments",
                Wording(
                    N_("#%(nth)s must be {image = {...}}, {link = {...}} or {miniprogram = {...}}"),
                    {"nth": nth},
                ),
            )
            continue
        allowed = limits.ATTACHMENT_TYPES[kind]
        extra = [k for k in body if k not in allowed]
        missing = [k for k in limits.REQUIRED_ATTACHMENT_FIELDS[kind] if not body.get(k)]
        if kind == "image" and not (body.get("media_id") or body.get("pic_url")):
            missing = ["media_id or pic_url"]
        if extra or missing or not all(isinstance(v, str) for v in body.values()):
            what = (
                Wording(N_("unknown field '%(name)s'"), {"name": extra[0]})
                if extra
                else Wording(N_("needs %(names)s"), {"names": ", ".join(missing)})
                if missing
                else Wording(N_("fields must be strings"))
            )
            t.problem("attachments", Wording(N_("#%(nth)s (%(kind)s): %(what)s"),
                                             {"nth": nth, "kind": kind, "what": what}))  # fmt: skip
            continue
        found.append(Attachment(kind, tuple((k, str(v)) for k, v in body.items())))
    return tuple(found)
