"""Reading `[[leads.grades]]`: ordered lead grades, each a condition and what it gets.

A grade's conditions sit in the grade table itself (one condition) or in
`[[leads.grades.when]]` alternatives (any of them); each condition's keys are ANDed.
"""

from __future__ import annotations

from filecheck.toml_table import TomlTable
from leads.grades import Grade, GradeCondition, Urgency, Window

_GRADE_NAME_MAX = 16
_WINDOWS = ("messages", "clicks")
_CONDITION_KEYS = (
    "min_score",
    "any_tags",
    "all_tags",
    "channels",
    "channel_groups",
    "phone",
    *_WINDOWS,
    *(f"{key}_days" for key in _WINDOWS),
)


def read_grades(leads: TomlTable) -> tuple[Grade, ...]:
    grades: list[Grade] = []
    names: set[str] = set()
    for table in leads.tables("grades"):
        name = table.text("name")
        if table.has("name") and not 0 < len(name) <= _GRADE_NAME_MAX:
            table.problem("name", f"must be 1-{_GRADE_NAME_MAX} characters")
        elif name in names:
            table.problem("name", f"duplicate grade {name!r}")
        names.add(name)
        inline = any(table.has(key) for key in _CONDITION_KEYS)
        alternatives = table.tables("when")
        if inline and alternatives:
            table.problem("when", "give the conditions inline or as [[when]] tables, not both")
        conditions = [_condition(t) for t in alternatives] or [_condition(table)]
        # Without a condition a grade would take everyone; unless a typo hid the condition.
        trusted = table.trusted("when", *_CONDITION_KEYS) and all(
            t.trusted(*_CONDITION_KEYS) for t in alternatives
        )
        if trusted and any(condition == GradeCondition() for condition in conditions):
            table.problem("", "a grade needs at least one condition")
        grades.append(
            Grade(
                name=name,
                when=tuple(conditions),
                urgency=table.choice("urgency", Urgency, Urgency.NORMAL.value),
                claim_minutes=table.integer("claim_minutes", 0, minimum=0) or None,
                push=table.flag("push", True),
                journey=table.text("journey", "") or None,
            )
        )
    return tuple(grades)


def _window(table: TomlTable, key: str) -> Window | None:
    days = table.integer(f"{key}_days", 7, minimum=1)
    count = table.optional(key, lambda k: table.integer(k, minimum=1))
    if count is None:
        if table.has(f"{key}_days") and table.trusted(key):
            table.problem(f"{key}_days", f"needs {key}")
        return None
    return Window(count, days)


def _condition(table: TomlTable) -> GradeCondition:
    return GradeCondition(
        min_score=table.optional("min_score", lambda key: table.integer(key, minimum=0)),
        any_tags=table.texts("any_tags"),
        all_tags=table.texts("all_tags"),
        channels=table.texts("channels"),
        channel_groups=table.texts("channel_groups"),
        phone=table.optional("phone", table.flag),
        messages=_window(table, "messages"),
        clicks=_window(table, "clicks"),
    )
