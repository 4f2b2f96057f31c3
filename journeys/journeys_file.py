"""Reading `journeys.toml`: strict, typed, and every problem named with its line at once.

Read like every hand-written file (`filecheck.toml_table`): a journey that parses but
makes no sense (an unknown action, a bad wait, a template nobody defined) is one
problem among all the others, each with its line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from filecheck.problems import Problem, ProblemsError, unreadable
from filecheck.toml_table import TomlTable, read_toml
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

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ACTION_FIELDS: dict[ActionKind, tuple[str, ...]] = {
    ActionKind.TEXT: ("text",),
    ActionKind.NEWS: ("articles",),
    ActionKind.IMAGE: ("media_id",),
    ActionKind.MINIPROGRAM: ("title", "appid", "pagepath", "thumb_media_id"),
    ActionKind.SUBSCRIBE: ("template_id", "page", "data"),
}
_OPTIONAL_FIELDS = ("page", "data", "thumb_media_id")
# Every key an action may have: known even when the action itself is wrong.
_ACTION_KEYS = (
    *(key for keys in _ACTION_FIELDS.values() for key in keys),
    "template",
    "tags",
    "points",
)


class JourneysError(ProblemsError):
    """A journeys file that cannot be used: every problem, each with its line and reason."""


def load_journeys(path: Path) -> Catalog:
    """Read and check a journeys file (blocking); `JourneysError` lists every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise JourneysError(str(path), [Problem(str(path), 0, "", unreadable(exc))]) from None
    return parse_journeys(text, str(path))


def parse_journeys(text: str, source: str = "journeys.toml") -> Catalog:
    """The catalog `text` defines; `JourneysError` with every problem when it is unusable."""
    root = read_toml(text, source)
    templates = _templates(root)
    try:
        quiet = parse_quiet_hours(root.text("quiet_hours", "22:00-08:00"))
    except WaitError as exc:
        root.problem("quiet_hours", str(exc))
        quiet = parse_quiet_hours("22:00-08:00")
    daily_cap = root.integer("daily_cap", 2, minimum=1)
    journeys: list[Journey] = []
    names: set[str] = set()
    for table in root.tables("journey", label=lambda index, _: f"journey[{index}]"):
        journey = _journey(table, templates)
        if journey.name in names:
            table.problem("name", f"duplicate journey {journey.name!r}")
        names.add(journey.name)
        journeys.append(journey)
    root.raise_problems(JourneysError)
    return Catalog(tuple(journeys), templates, quiet, daily_cap)


def _expression(table: TomlTable, key: str) -> tuple[Expr | None, str]:
    text = table.text(key, "")
    if not text:
        return None, ""
    try:
        return parse_expression(text), text
    except ExpressionError as exc:
        table.problem(key, str(exc))
        return None, text


def _string_table(table: TomlTable, key: str, value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        table.problem(key, "must be a table of strings (keyword = value)")
        return {}
    return value


def _templates(root: TomlTable) -> dict[str, Template]:
    templates: dict[str, Template] = {}
    for table in root.tables("template", label=lambda index, _: f"template[{index}]"):
        name = table.text("name")
        if name in templates:
            table.problem("name", f"duplicate template {name!r}")
        data = _string_table(table, "data", table.raw("data") or {})
        templates[name] = Template(name, table.text("template_id"), data, table.text("url", ""))
    return templates


def _journey(table: TomlTable, templates: Mapping[str, Template]) -> Journey:
    name = table.text("name")
    if not _NAME.match(name):
        table.problem("name", "must be 1-64 letters, digits, '-' or '_'")
    elif table.has("name"):
        table.label = f"journey {name!r}"
    trigger = table.text("trigger")
    kind, _, value = trigger.partition(":")
    if kind not in TRIGGER_KINDS or (kind not in ("contact_added", "segment") and not value):
        table.problem("trigger", f"{trigger!r}: use one of {', '.join(TRIGGER_KINDS)}")
    when, _ = _expression(table, "when")
    exit_, exit_text = _expression(table, "exit")
    label = table.label
    steps = table.tables("step", label=lambda index, _: f"{label} step {index + 1}")
    if not steps and table.trusted("step"):
        table.problem("", "needs at least one [[journey.step]]")
    restart = table.flag("restart", False)
    return Journey(
        name,
        trigger,
        tuple(_step(step, templates) for step in steps),
        when,
        exit_,
        exit_text,
        restart,
        table.line,
    )


def _step(table: TomlTable, templates: Mapping[str, Template]) -> Step:
    try:
        wait = parse_wait(table.text("wait", "0m"))
    except WaitError as exc:
        table.problem("wait", str(exc))
        wait = parse_wait("0m")
    stale_text = table.text("stale_after", "")
    stale = None
    try:
        stale = parse_duration(stale_text) if stale_text else None
    except WaitError as exc:
        table.problem("stale_after", str(exc))
    when, when_text = _expression(table, "when")
    kind_text = table.text("action")
    try:
        kind = ActionKind(kind_text)
    except ValueError:
        if table.has("action"):
            choices = ", ".join(k.value for k in ActionKind)
            table.problem("action", f"unknown action {kind_text!r}: use {choices}")
        # Which fields belong to the step depends on its action: none is judged.
        table.allow(*_ACTION_KEYS)
        return Step(wait, Action(ActionKind.TEXT), when, when_text, stale, table.line)
    return Step(wait, _action(table, kind, templates), when, when_text, stale, table.line)


def _field(table: TomlTable, key: str, value: object) -> object:
    """A message field of the right shape, so a bad one fails here and not at send time."""
    if key == "articles":
        if (
            not isinstance(value, list)
            or not value
            or not all(
                isinstance(a, dict) and all(isinstance(v, str) for v in a.values()) for a in value
            )
        ):
            table.problem(key, "must be a list of tables of strings (title, url, ...)")
        return value
    if key == "data":
        return _string_table(table, key, value)
    if not isinstance(value, str) or not value:
        table.problem(key, "must be a non-empty string")
    return value


def _action(table: TomlTable, kind: ActionKind, templates: Mapping[str, Template]) -> Action:
    fields: dict[str, object] = {}
    for key in _ACTION_FIELDS.get(kind, ()):
        value = table.raw(key)
        if value is None and key not in _OPTIONAL_FIELDS:
            table.problem(key, f"is required for a {kind.value} step")
        if value is not None:
            fields[key] = _field(table, key, value)
    template = None
    if kind == ActionKind.TEMPLATE or kind in CUSTOMER_SERVICE:
        template = table.text("template", "") or None
        if kind == ActionKind.TEMPLATE and template is None:
            table.problem("template", "is required for a template step")
        if template is not None and template not in templates:
            table.problem("template", f"names no [[template]]: {template!r}")
    tags = table.texts("tags") if kind in (ActionKind.ADD_TAGS, ActionKind.REMOVE_TAGS) else ()
    if kind in (ActionKind.ADD_TAGS, ActionKind.REMOVE_TAGS) and not tags:
        table.problem("tags", f"is required for a {kind.value} step")
    points = 0
    if kind == ActionKind.ADD_POINTS:
        points = table.integer("points", 0, minimum=1)
        if not table.has("points"):
            table.problem("points", "is required for an add_points step")
    text = ""
    if kind in (ActionKind.WECOM, ActionKind.REMIND):
        text = table.text("text")
    elif kind == ActionKind.TEXT:
        text = str(fields.get("text", ""))
    return Action(kind, fields, tags, points, template, text)
