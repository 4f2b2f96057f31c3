"""Keyword operations as JSON values for the admin API (the CLI has `keyword_text`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.ops.keyword_ops import Published
from bot.ops.keyword_reports import MissesReport, RuleVariants
from keywords.explain import Explanation
from keywords.hours import format_hours
from keywords.matcher import Match
from keywords.problems import Problem
from storage.tables.keywords import VersionInfo

Json = dict[str, object]


def problems_json(problems: Iterable[Problem]) -> list[Json]:
    """Each problem with the line and column ops fix it at, and the same message as the CLI."""
    return [
        {
            "line": problem.line,
            "column": problem.column,
            "severity": problem.severity.value,
            "message": problem.message,
            "text": str(problem),
        }
        for problem in problems
    ]


def _match_json(match: Match) -> Json:
    rule = match.rule
    return {
        "rule": rule.name,
        "trigger": rule.trigger.value,
        "match": rule.match.value,
        "keyword": match.keyword,
        "priority": rule.priority,
        "hours": format_hours(rule.hours) if rule.hours else None,
    }


def explanation_json(explanation: Explanation) -> Json:
    winner = explanation.winner
    return {
        "signal": {"trigger": explanation.signal.trigger.value, "text": explanation.signal.text},
        "fires": _match_json(winner) if winner else None,
        "beat": [_match_json(match) for match in explanation.beaten],
        "closed": [_match_json(match) for match in explanation.closed],
        "reply_type": winner.rule.reply_type.value if winner else None,
        "reply_mode": winner.rule.reply_mode.value if winner else None,
        "replies": list(explanation.replies),
        "reply_note": str(explanation.reply_note),
        "tags": list(winner.rule.tags) if winner else [],
        "points": winner.rule.score if winner else 0,
    }


def version_json(version: VersionInfo) -> Json:
    return {
        "version": version.id,
        "account": version.account,
        "rules": version.rule_count,
        "by": version.created_by,
        "at": version.created_at.isoformat(),
        "summary": version.summary,
        "note": version.note,
        "live": version.active,
    }


def published_json(published: Published) -> Json:
    return {
        **version_json(published.version),
        "added": list(published.diff.added),
        "removed": list(published.diff.removed),
        "changed": list(published.diff.changed),
        "reordered": published.diff.reordered,
        "warnings": problems_json(published.warnings),
    }


def misses_json(report: MissesReport) -> Json:
    return {
        "days": report.days,
        "missed": report.missed,
        "phrases": [
            {"phrase": p.phrase, "count": p.count, "example": p.example} for p in report.phrases
        ],
        "hits": [{"rule": rule, "count": count} for rule, count in report.hits],
    }


def variants_json(report: Sequence[RuleVariants], days: int) -> Json:
    return {
        "days": days,
        "rules": [
            {
                "rule": rule.rule,
                "variants": [
                    {
                        "variant": stat.variant + 1,  # as ops count them in the reply cell
                        "got": stat.got,
                        "went_on": stat.went_on,
                        "rate": stat.rate,
                    }
                    for stat in rule.variants
                ],
                "comparisons": [
                    {"z": c.z, "p_value": c.p_value, "note": str(c.note)} for c in rule.comparisons
                ],
            }
            for rule in report
        ],
    }
