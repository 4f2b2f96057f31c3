"""Keyword operations as text for the terminal (the admin API has `keyword_json`)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.ops.keyword_ops import Published
from bot.ops.keyword_reports import MissesReport, RuleVariants
from bot.ops.times import format_time
from filecheck.problems import problem_lines
from keywords.explain import Explanation
from keywords.hours import format_hours
from keywords.matcher import Match
from storage.tables.keywords import VersionInfo


def _match_line(match: Match) -> str:
    rule = match.rule
    keyword = f"keyword {match.keyword!r}" if match.keyword else "any signal (blank keywords)"
    hours = f", hours {format_hours(rule.hours)}" if rule.hours else ""
    return f"{rule.name}: {rule.trigger} / {rule.match}, {keyword}, priority {rule.priority}{hours}"


def explanation_text(explanation: Explanation) -> list[str]:
    """Which rule fires and why, the reply, the tags and points."""
    winner = explanation.winner
    closed = [f"  {_match_line(match)}" for match in explanation.closed]
    at = f" at {explanation.at:%H:%M}" if explanation.at else ""
    skipped = [f"closed{at} (outside their hours):", *closed] if closed else []
    if winner is None:
        return [f"no rule fires on {explanation.signal.trigger} {explanation.signal.text!r}",
                *skipped, "reply: the fallback answers"]  # fmt: skip
    rule = winner.rule
    lines = [f"fires: {_match_line(winner)}"]
    if explanation.beaten:
        lines.append("beat (lower priority or later row):")
        lines.extend(f"  {_match_line(match)}" for match in explanation.beaten)
    lines.extend(skipped)
    lines.append(f"reply: {explanation.reply_note}")
    lines.extend(f"  [{number}] {reply}" for number, reply in enumerate(explanation.replies, 1))
    lines.append(f"tags: {', '.join(rule.tags) if rule.tags else '(none)'}")
    lines.append(f"points: {rule.score}")
    return lines


def published_text(published: Published) -> list[str]:
    version = published.version
    lines = [
        f"published version {version.id} for {version.account}"
        f" ({version.rule_count} rules, by {version.created_by}): {version.summary}",
    ]
    lines.extend(f"  {line}" for line in problem_lines(published.warnings))
    return lines


def history_text(versions: Sequence[VersionInfo]) -> list[str]:
    if not versions:
        return ["nothing published yet: the bot answers from the configured table files"]
    lines = [
        f"{'version':>7}  {'live':<4}  {'account':<12}  {'published':<22}  {'by':<12}"
        f"  {'rules':>5}  changes"
    ]
    for version in versions:
        live = "LIVE" if version.active else ""
        note = f" [{version.note}]" if version.note else ""
        lines.append(
            f"{version.id:>7}  {live:<4}  {version.account:<12}  {format_time(version.created_at)}"
            f"  {version.created_by:<12}  {version.rule_count:>5}  {version.summary}{note}"
        )
    return lines


def misses_text(report: MissesReport) -> list[str]:
    lines = [f"unanswered messages in the last {report.days} days: {report.missed}"]
    if report.phrases:
        lines.append(f"{'count':>6}  phrase  (example)")
        lines.extend(f"{p.count:>6}  {p.phrase}  ({p.example})" for p in report.phrases)
    lines.append("")
    lines.append(f"hits per rule in the last {report.days} days:")
    lines.extend(
        f"{count:>6}  {rule}" + ("  ← never fired" if not count else "")
        for rule, count in report.hits
    )
    return lines


WENT_ON_MEANS = (
    '"went on": within 24 h of the reply the follower clicked a menu,'
    " left a phone number or became a lead"
)


def variants_text(report: Sequence[RuleVariants], days: int) -> list[str]:
    if not report:
        return [f"no rule sent two or more variants in the last {days} days"]
    lines = []
    for rule in report:
        lines.append(f"{rule.rule}:")
        lines.extend(
            f"  variant {stat.variant + 1}: {stat.got} got it, {stat.went_on} went on"
            f" within 24 h ({stat.rate:.0%})"
            for stat in rule.variants
        )
        lines.extend(f"  → {comparison.note}" for comparison in rule.comparisons)
    return [*lines, WENT_ON_MEANS]
