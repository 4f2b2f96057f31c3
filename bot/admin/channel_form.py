"""A channel as the site's form shows it, and the form written back into the table's TOML.

The site edits the same file the CLI publishes: tomlkit changes the one `[[channel]]`
in the live text and keeps everything else (comments, order, other channels, the
welcome's attachments and variants the form does not show) as it was written. The
result goes through `ChannelStore.check` and `publish` like a file from the CLI, so
a problem comes back with its line in that text and its field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import tomlkit
from tomlkit.items import AoT, Table

from channels import limits
from channels.model import Channel, Shift
from keywords.problems import Problem

_WORDS = re.compile(r"[\s,，、]+")
_SHIFT = re.compile(r"shift #(\d+)\.?(\w*)$")
# A blank line before each [[channel]] tomlkit appends, as a person would write it.
_GLUED_CHANNEL = re.compile(r"(?<=[^\n])\n(\[\[channel\]\])")
NEW_SHIFTS = 1  # empty shift rows the form offers under the rota's own


def words_of(text: str) -> tuple[str, ...]:
    """ "a, b c" → ("a", "b", "c"): ops type lists the way they like."""
    return tuple(dict.fromkeys(w for w in _WORDS.split(text) if w))


def window_text(start: object, end: object) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"


@dataclass
class ShiftRow:
    days: list[str] = field(default_factory=lambda: list(limits.WEEKDAYS))
    hours: str = ""
    staff: str = ""

    @classmethod
    def of(cls, shift: Shift) -> ShiftRow:
        whole_day = shift.start.hour == 0 and shift.start.minute == 0 and shift.end.hour == 23  # noqa: PLR2004
        return cls(
            [limits.WEEKDAYS[d] for d in sorted(shift.days)],
            "" if whole_day else window_text(shift.start, shift.end),
            " ".join(shift.staff),
        )

    @property
    def blank(self) -> bool:
        return not self.staff.strip() and not self.hours.strip()


@dataclass
class ChannelForm:
    """Every field the form shows, as text the way ops typed it."""

    key: str = ""
    name: str = ""
    group: str = ""
    tags: str = ""
    points: str = "0"
    cost: str = ""
    enabled: bool = True
    qr_kind: str = ""  # "" no QR code, else a QrKind value
    qr_account: str = ""
    qr_expire_days: str = str(limits.QR_EXPIRE_MAX_DAYS)
    wecom: bool = False
    wecom_app: str = ""
    cap: str = "0"
    backups: str = ""
    skip_verify: bool = True
    skip_verify_hours: str = ""
    shifts: list[ShiftRow] = field(default_factory=list)
    welcome_text: str = ""

    @classmethod
    def of(cls, channel: Channel) -> ChannelForm:
        form = cls(
            key=channel.key, name=channel.name, group=channel.group,
            tags=" ".join(channel.tags), points=str(channel.points),
            cost="" if channel.cost is None else f"{channel.cost:g}", enabled=channel.enabled,
            welcome_text=channel.welcome.text if channel.welcome else "",
        )  # fmt: skip
        if channel.qr is not None:
            form.qr_kind, form.qr_account = channel.qr.kind.value, channel.qr.account
            form.qr_expire_days = str(channel.qr.expire_days)
        way = channel.wecom
        if way is not None:
            form.wecom, form.wecom_app, form.cap = True, way.app, str(way.rota.cap)
            form.backups, form.skip_verify = " ".join(way.rota.backups), way.skip_verify
            hours = way.skip_verify_hours
            form.skip_verify_hours = window_text(hours.start, hours.end) if hours else ""
            form.shifts = [ShiftRow.of(shift) for shift in way.rota.shifts]
        return form

    @classmethod
    def posted(cls, fields: Mapping[str, str], days: Mapping[int, list[str]]) -> ChannelForm:
        """The form as posted: `fields` its text inputs, `days` each shift row's weekdays."""
        count = int(fields.get("shifts", "0")) if fields.get("shifts", "0").isdigit() else 0
        rows = [
            ShiftRow(days.get(n, []), fields.get(f"shift-{n}-hours", "").strip(),
                     fields.get(f"shift-{n}-staff", "").strip())
            for n in range(min(count, limits.WAY_MEMBERS_MAX))
        ]  # fmt: skip
        text = {name: fields.get(name, "").strip() for name in _TEXT_FIELDS}
        return cls(
            **text,
            enabled=fields.get("enabled") == "on",
            wecom=fields.get("wecom") == "on",
            skip_verify=fields.get("skip_verify") == "on",
            shifts=[row for row in rows if not row.blank],
        )

    def rows(self) -> list[ShiftRow]:
        """The rota's shifts and `NEW_SHIFTS` empty rows to add one."""
        return [*self.shifts, *(ShiftRow() for _ in range(NEW_SHIFTS))]


_TEXT_FIELDS = (
    "key", "name", "group", "tags", "points", "cost", "qr_kind", "qr_account", "qr_expire_days",
    "wecom_app", "cap", "backups", "skip_verify_hours", "welcome_text",
)  # fmt: skip


def _number(text: str) -> int | float | str:
    """A number as TOML should hold it; text that is not one stays text, for the check
    to name ("must be a whole number, got str") on its line."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _set(table: Table, key: str, value: object, keep: bool = True) -> None:
    if keep:
        table[key] = value
    elif key in table:
        del table[key]


def _sub(parent: Table, key: str) -> Table:
    found = parent.get(key)
    if isinstance(found, Table):
        return found
    made = tomlkit.table()
    parent[key] = made
    return made


def _write(item: Table, form: ChannelForm) -> None:
    item["key"], item["name"] = form.key, form.name
    _set(item, "group", form.group, bool(form.group))
    _set(item, "tags", list(words_of(form.tags)), bool(words_of(form.tags)))
    _set(item, "points", _number(form.points or "0"), form.points not in ("", "0"))
    _set(item, "cost", _number(form.cost), bool(form.cost))
    _set(item, "enabled", False, not form.enabled)
    if form.qr_kind:
        qr = _sub(item, "qr")
        _set(qr, "account", form.qr_account, bool(form.qr_account))
        qr["kind"] = form.qr_kind
        temporary = form.qr_kind == "temporary"
        _set(qr, "expire_days", _number(form.qr_expire_days), temporary)
    else:
        _set(item, "qr", None, keep=False)
    if form.wecom:
        _write_way(_sub(item, "wecom"), form)
    else:
        _set(item, "wecom", None, keep=False)
    welcome = item.get("welcome")
    if form.welcome_text or isinstance(welcome, Table):
        _sub(item, "welcome")["text"] = form.welcome_text


def _write_way(way: Table, form: ChannelForm) -> None:
    _set(way, "app", form.wecom_app, bool(form.wecom_app))
    _set(way, "cap", _number(form.cap or "0"), form.cap not in ("", "0"))
    _set(way, "backups", list(words_of(form.backups)), bool(words_of(form.backups)))
    way["skip_verify"] = form.skip_verify
    _set(way, "skip_verify_hours", form.skip_verify_hours, bool(form.skip_verify_hours))
    shifts = AoT([])
    for row in form.shifts:
        shift = tomlkit.table()
        if sorted(row.days) != sorted(limits.WEEKDAYS):
            shift["days"] = row.days
        _set(shift, "hours", row.hours, bool(row.hours))
        shift["staff"] = list(words_of(row.staff))
        shifts.append(shift)
    _set(way, "shift", shifts, bool(form.shifts))


def with_channel(text: str, form: ChannelForm, *, original_key: str | None) -> str:
    """The table's TOML with the channel `original_key` (None: a new one, appended) as
    the form says. Raises `tomlkit.exceptions.ParseError` only for a live text tomlkit
    cannot read, which the live table's own check would have refused."""
    document = tomlkit.parse(text)
    channels = document.get("channel")
    if not isinstance(channels, AoT):
        channels = AoT([])
        document["channel"] = channels
    item = next(
        (t for t in channels if original_key is not None and t.get("key") == original_key), None
    )
    if item is None:
        item = tomlkit.table()
        channels.append(item)
    _write(item, form)
    return _GLUED_CHANNEL.sub(r"\n\n\1", tomlkit.dumps(document))


def with_enabled(text: str, key: str, enabled: bool) -> str:
    """The table's TOML with one channel switched on or off; the rest as written."""
    document = tomlkit.parse(text)
    for item in document.get("channel", []):
        if item.get("key") == key:
            _set(item, "enabled", False, not enabled)
    return tomlkit.dumps(document)


# A problem's field in `channel KEY.…` → the form input it belongs beside.
_FIELDS = {
    "key": "key", "name": "name", "group": "group", "tags": "tags", "points": "points",
    "cost": "cost", "enabled": "enabled", "qr": "qr_kind", "qr.account": "qr_account",
    "qr.kind": "qr_kind", "qr.expire_days": "qr_expire_days", "wecom": "wecom",
    "wecom.app": "wecom_app", "wecom.cap": "cap", "wecom.backups": "backups",
    "wecom.skip_verify": "skip_verify", "wecom.skip_verify_hours": "skip_verify_hours",
    "wecom.shift": "shifts", "welcome": "welcome_text", "welcome.text": "welcome_text",
}  # fmt: skip


def field_of(problem: Problem, key: str) -> str | None:
    """The form field a problem of channel `key` is about (None: not this channel's, or
    a part the form does not show: the list above the form carries it)."""
    prefix = f"channel {key}"
    column = problem.column
    if not key or not (column == prefix or column.startswith(prefix + ".")):
        return None
    rest = column[len(prefix) + 1 :]
    shift = _SHIFT.search(rest)
    if shift is not None and rest.startswith("wecom.shift"):
        return f"shift-{int(shift[1]) - 1}-{shift[2] or 'staff'}"
    return _FIELDS.get(rest, "key" if not rest else None)
