"""Reading `journeys.toml`: strict, typed, every error names its line and reason.

Like the tagging rules file: tomllib reports syntax errors with a position;
for a journey that parses but makes no sense (an unknown action, a bad wait,
a template nobody defined) the line is found again from the table header and key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from journeys.definition import (
    CUSTOMER_SERVICE,
    TRIGGER_KINDS,
    Action,
    ActionKind,
    Catalog,
    Journey,
    Step,
    Template,
)
from journeys.expressions import Expr, ExpressionError, parse_expression
from journeys.waits import WaitError, parse_duration, parse_quiet_hours, parse_wait
from tagging.toml_lines import TomlLines

_SYNTAX_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TOP_LEVEL = {"quiet_hours", "daily_cap", "journey", "template"}
_ACTION_FIELDS: dict[ActionKind, tuple[str, ...]] = {
    ActionKind.TEXT: ("text",),
    ActionKind.NEWS: ("articles",),
    ActionKind.IMAGE: ("media_id",),
    ActionKind.MINIPROGRAM: ("title", "appid", "pagepath", "thumb_media_id"),
    ActionKind.SUBSCRIBE: ("template_id", "page", "data"),
}


class JourneysError(Exception):
    """A journeys file that cannot be used: where (file, line, journey) and why."""

    def __init__(self, source: str, line: int, where: str, reason: str) -> None:
        self.source, self.line, self.where, self.reason = source, line, where, reason
        place = f"{source}:{line}" if line else source
        super().__init__(f"{place}: {where}: {reason}" if where else f"{place}: {reason}")


class _Table:
    def __init__(
        self, data: Mapping[str, object], where: str, line: int, lines: TomlLines, source: str
    ) -> None:
        self.data, self.where, self.line, self._lines, self.source = (
            data,
            where,
            line,
            lines,
            source,
        )
        self._read: set[str] = set()

    def error(self, key: str, reason: str) -> JourneysError:
        line = self._lines.key(self.line, key) if key else self.line
        return JourneysError(
            self.source, line, f"{self.where}.{key}" if key else self.where, reason
        )

    def raw(self, key: str) -> object:
        self._read.add(key)
        return self.data.get(key)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.raw(key)
        if value is None:
            if default is None:
                raise self.error(key, "is required")
            return default
        if not isinstance(value, str):
            raise self.error(key, "must be a string")
        return value

    def integer(self, key: str, default: int, minimum: int = 0) -> int:
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(key, f"must be an integer of at least {minimum}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.raw(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(key, "must be a list of strings")
        return tuple(value)

    def expression(self, key: str) -> tuple[Expr | None, str]:
        text = self.text(key, "")
        if not text:
            return None, ""
        try:
            return parse_expression(text), text
        except ExpressionError as exc:
            raise self.error(key, str(exc)) from None

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            raise self.error(unknown[0], "unknown key")


def load_journeys(path: Path) -> Catalog:
    return parse_journeys(path.read_text(encoding="utf-8"), str(path))


def parse_journeys(text: str, source: str = "journeys.toml") -> Catalog:
    """The catalog `text` defines; `JourneysError` naming the line when it is unusable."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _SYNTAX_POSITION.search(str(exc))
        line = int(found.group(1)) if found else len(text.splitlines())
        reason = _SYNTAX_POSITION.sub("", str(exc)).strip()
        raise JourneysError(source, line, "", f"{reason} (not valid TOML)") from None
    lines = TomlLines(text)
    root = _Table(data, "", 0, lines, source)
    for key in data:
        if key not in _TOP_LEVEL:
            raise JourneysError(source, lines.key(0, key), key, "unknown key")
    templates = _templates(root, lines, source)
    try:
        quiet = parse_quiet_hours(root.text("quiet_hours", "22:00-08:00"))
    except WaitError as exc:
        raise root.error("quiet_hours", str(exc)) from None
    daily_cap = root.integer("daily_cap", 2, minimum=1)
    journeys: list[Journey] = []
    steps_seen = 0
    for index, item in enumerate(_array(root, "journey")):
        table = _Table(item, f"journey[{index}]", lines.header("journey", index), lines, source)
        journey = _journey(table, templates, lines, steps_seen)
        if any(j.name == journey.name for j in journeys):
            raise table.error("name", f"duplicate journey {journey.name!r}")
        steps_seen += len(journey.steps)
        journeys.append(journey)
    return Catalog(tuple(journeys), templates, quiet, daily_cap)


def _array(root: _Table, key: str) -> list[Mapping[str, object]]:
    value = root.raw(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise root.error(key, f"must be [[{key}]] tables")
    return value


def _templates(root: _Table, lines: TomlLines, source: str) -> dict[str, Template]:
    templates: dict[str, Template] = {}
    for index, item in enumerate(_array(root, "template")):
        table = _Table(item, f"template[{index}]", lines.header("template", index), lines, source)
        name = table.text("name")
        if name in templates:
            raise table.error("name", f"duplicate template {name!r}")
        data = table.raw("data") or {}
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise table.error("data", "must be a table of strings (keyword = value)")
        templates[name] = Template(name, table.text("template_id"), data, table.text("url", ""))
        table.finish()
    return templates


def _journey(
    table: _Table, templates: Mapping[str, Template], lines: TomlLines, steps_before: int
) -> Journey:
    name = table.text("name")
    if not _NAME.match(name):
        raise table.error("name", "must be 1-64 letters, digits, '-' or '_'")
    table.where = f"journey {name!r}"
    trigger = table.text("trigger")
    kind, _, value = trigger.partition(":")
    if kind not in TRIGGER_KINDS or (kind not in ("contact_added", "segment") and not value):
        raise table.error("trigger", f"{trigger!r}: use one of {', '.join(TRIGGER_KINDS)}")
    when, _ = table.expression("when")
    exit_, exit_text = table.expression("exit")
    raw_steps = table.raw("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise table.error("", "needs at least one [[journey.step]]")
    steps = []
    for index, item in enumerate(raw_steps):
        if not isinstance(item, dict):
            raise table.error("step", "must be [[journey.step]] tables")
        line = lines.header("journey.step", steps_before + index)
        step_table = _Table(item, f"journey {name!r} step {index + 1}", line, lines, table.source)
        steps.append(_step(step_table, templates))
    restart = table.raw("restart")
    if restart is not None and not isinstance(restart, bool):
        raise table.error("restart", "must be true or false")
    table.finish()
    return Journey(name, trigger, tuple(steps), when, exit_, exit_text, bool(restart), table.line)


def _step(table: _Table, templates: Mapping[str, Template]) -> Step:
    try:
        wait = parse_wait(table.text("wait", "0m"))
    except WaitError as exc:
        raise table.error("wait", str(exc)) from None
    stale_text = table.text("stale_after", "")
    try:
        stale = parse_duration(stale_text) if stale_text else None
    except WaitError as exc:
        raise table.error("stale_after", str(exc)) from None
    when, when_text = table.expression("when")
    kind_text = table.text("action")
    try:
        kind = ActionKind(kind_text)
    except ValueError:
        choices = ", ".join(k.value for k in ActionKind)
        raise table.error("action", f"unknown action {kind_text!r}: use {choices}") from None
    action = _action(table, kind, templates)
    table.finish()
    return Step(wait, action, when, when_text, stale, table.line)


def _field(table: _Table, key: str, value: object) -> object:
    """A message field of the right shape, so a bad one fails here and not at send time."""
    if key == "articles":
        if (
            not isinstance(value, list)
            or not value
            or not all(
                isinstance(a, dict) and all(isinstance(v, str) for v in a.values()) for a in value
            )
        ):
            raise table.error(key, "must be a list of tables of strings (title, url, ...)")
        return value
    if key == "data":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise table.error(key, "must be a table of strings (keyword = value)")
        return value
    if not isinstance(value, str) or not value:
        raise table.error(key, "must be a non-empty string")
    return value


def _action(table: _Table, kind: ActionKind, templates: Mapping[str, Template]) -> Action:
    fields: dict[str, object] = {}
    for key in _ACTION_FIELDS.get(kind, ()):
        value = table.raw(key)
        if value is None and key not in ("page", "data", "thumb_media_id"):
            raise table.error(key, f"is required for a {kind.value} step")
        if value is not None:
            fields[key] = _field(table, key, value)
    template = None
    if kind == ActionKind.TEMPLATE or kind in CUSTOMER_SERVICE:
        template = table.text("template", "") or None
        if kind == ActionKind.TEMPLATE and template is None:
            raise table.error("template", "is required for a template step")
        if template is not None and template not in templates:
            raise table.error("template", f"names no [[template]]: {template!r}")
    tags = table.texts("tags") if kind in (ActionKind.ADD_TAGS, ActionKind.REMOVE_TAGS) else ()
    if kind in (ActionKind.ADD_TAGS, ActionKind.REMOVE_TAGS) and not tags:
        raise table.error("tags", f"is required for a {kind.value} step")
    points = 0
    if kind == ActionKind.ADD_POINTS:
        points = table.integer("points", 0, minimum=1)
        if not points:
            raise table.error("points", "is required for an add_points step")
    text = ""
    if kind in (ActionKind.WECOM, ActionKind.REMIND):
        text = table.text("text")
    elif kind == ActionKind.TEXT:
        text = str(fields["text"])
    return Action(kind, fields, tags, points, template, text)
