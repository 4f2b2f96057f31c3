"""Reading `[[leads.grades]]`: ordered lead grades, each a condition and what it gets.

A grade's conditions sit in the grade table itself (one condition) or in
`[[leads.grades.when]]` alternatives (any of them); each condition's keys are ANDed.
"""

from __future__ import annotations

from bot.config.toml_reader import TomlTable
from leads.grades import Grade, GradeCondition, Urgency, Window

_GRADE_NAME_MAX = 16
_CONDITION_KEYS = (
    "min_score",
    "any_tags",
    "all_tags",
    "channels",
    "channel_groups",
    "phone",
    "messages",
    "messages_days",
    "clicks",
    "clicks_days",
)


def read_grades(leads: TomlTable) -> tuple[Grade, ...]:
    grades: list[Grade] = []
    for table in leads.tables("grades"):
        name = table.text("name")
        if not 0 < len(name) <= _GRADE_NAME_MAX:
            raise table.error("name", f"must be 1-{_GRADE_NAME_MAX} characters")
        if any(grade.name == name for grade in grades):
            raise table.error("name", f"duplicate grade {name!r}")
        inline = any(table.has(key) for key in _CONDITION_KEYS)
        alternatives = table.tables("when")
        if inline and alternatives:
            raise table.error("when", "give the conditions inline or as [[when]] tables, not both")
        conditions = (
            [_condition(t, finish=True) for t in alternatives]
            if alternatives
            else [_condition(table, finish=False)]
        )
        urgency = table.text("urgency", Urgency.NORMAL.value)
        if urgency not in {u.value for u in Urgency}:
            raise table.error("urgency", "must be 'normal' or 'urgent'")
        claim = table.integer("claim_minutes", 0, minimum=0)
        grades.append(
            Grade(
                name=name,
                when=tuple(conditions),
                urgency=Urgency(urgency),
                claim_minutes=claim or None,
                push=table.flag("push", True),
                journey=table.text("journey", "") or None,
            )
        )
        table.finish()
        if any(condition == GradeCondition() for condition in conditions):
            raise table.error("name", "a grade needs at least one condition")
    return tuple(grades)


def _window(table: TomlTable, key: str) -> Window | None:
    if not table.has(key):
        return None
    count = table.integer(key, minimum=1)
    return Window(count, table.integer(f"{key}_days", 7, minimum=1))


def _condition(table: TomlTable, *, finish: bool) -> GradeCondition:
    condition = GradeCondition(
        min_score=table.integer("min_score", minimum=0) if table.has("min_score") else None,
        any_tags=table.texts("any_tags"),
        all_tags=table.texts("all_tags"),
        channels=table.texts("channels"),
        channel_groups=table.texts("channel_groups"),
        phone=table.flag("phone") if table.has("phone") else None,
        messages=_window(table, "messages"),
        clicks=_window(table, "clicks"),
    )
    if finish:
        table.finish()
    return condition
