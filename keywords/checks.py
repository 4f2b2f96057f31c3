"""Problems that span rows: duplicate names and keywords that can never fire."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from filecheck.wording import N_, Wording
from keywords.automaton import WordAutomaton
from keywords.hours import covers
from keywords.normalize import normalize
from keywords.problems import Problem, Severity
from keywords.rules import MatchMode, Rule, Trigger


def check_table(
    rules: Sequence[Rule], lines: Sequence[int], named: Sequence[tuple[int, str]], source: str
) -> list[Problem]:
    """Duplicate rule names (`named`: every row's line and name) and shadowed keywords."""
    return [*_duplicate_names(named, source), *_shadowed_keywords(rules, lines, source)]


def _duplicate_names(named: Sequence[tuple[int, str]], source: str) -> list[Problem]:
    first_line: dict[str, int] = {}
    problems: list[Problem] = []
    for line, name in named:
        if name in first_line:
            text = Wording(
                N_("duplicate rule name '%(name)s' (lines %(first)s and %(line)s)"),
                {"name": name, "first": first_line[name], "line": line},
            )
            problems.append(Problem(source, line, "rule", text))
        else:
            first_line[name] = line
    return problems


@dataclass(frozen=True)
class _Ranked:
    rule: Rule
    line: int


class _Shadows:
    """The keywords of one trigger's rules, by rank, to find which earlier rule wins."""

    def __init__(self, ranked: Sequence[_Ranked]) -> None:
        self.ranked = ranked
        self.blank = [rank for rank, item in enumerate(ranked) if not item.rule.keywords]
        by_mode: dict[MatchMode, dict[str, list[int]]] = {mode: {} for mode in MatchMode}
        for rank, item in enumerate(ranked):
            if item.rule.match is not MatchMode.REGEX:
                for keyword in {normalize(k) for k in item.rule.keywords} - {""}:
                    by_mode[item.rule.match].setdefault(keyword, []).append(rank)
        self.exact = by_mode[MatchMode.EXACT]
        self.word = by_mode[MatchMode.WORD]
        self.contains_words = list(by_mode[MatchMode.CONTAINS])
        self.contains_ranks = list(by_mode[MatchMode.CONTAINS].values())
        self.contains = WordAutomaton(self.contains_words)

    def winner(self, rank: int, keyword: str) -> tuple[int, str] | None:
        """The best earlier rule that fires on every message `keyword` fires on."""
        rule = self.ranked[rank].rule
        found: list[tuple[int, str]] = [(other, "") for other in self.blank]
        for index in self.contains.indexes_in(keyword):  # contains keywords inside `keyword`
            found.extend(
                (other, self.contains_words[index]) for other in self.contains_ranks[index]
            )
        if rule.match is MatchMode.EXACT:
            found.extend((other, keyword) for other in self.exact.get(keyword, ()))
        if rule.match is MatchMode.WORD:
            found.extend((other, keyword) for other in self.word.get(keyword, ()))
        earlier = [
            (other, word)
            for other, word in found
            if other < rank and covers(self.ranked[other].rule.hours, rule.hours)
        ]
        return min(earlier, default=None)


def _shadowed_keywords(rules: Sequence[Rule], lines: Sequence[int], source: str) -> list[Problem]:
    order = sorted(range(len(rules)), key=lambda index: (-rules[index].priority, index))
    problems: list[Problem] = []
    for trigger in Trigger:
        ranked = [
            _Ranked(rules[index], lines[index])
            for index in order
            if rules[index].trigger is trigger and rules[index].enabled
        ]
        if trigger is Trigger.DEFAULT or not ranked:
            continue
        shadows = _Shadows(ranked)
        for rank, item in enumerate(ranked):
            keywords = item.rule.keywords if item.rule.match is not MatchMode.REGEX else ()
            if not item.rule.keywords and trigger.blank_matches_any:
                keywords = ("",)
            for keyword in keywords:
                winner = shadows.winner(rank, normalize(keyword))
                if winner is not None:
                    problems.append(
                        _shadow_problem(source, item, keyword, ranked[winner[0]], winner[1])
                    )
    return problems


def _shadow_problem(
    source: str, item: _Ranked, keyword: str, winner: _Ranked, word: str
) -> Problem:
    what = (
        Wording(N_("keyword '%(keyword)s'"), {"keyword": keyword})
        if keyword
        else Wording(N_("this blank-keyword %(trigger)s rule"), {"trigger": item.rule.trigger})
    )
    how = (
        Wording(N_("its %(match)s keyword '%(word)s'"), {"match": winner.rule.match, "word": word})
        if word
        else Wording(N_("blank keywords (any)"))
    )
    text = Wording(
        N_(
            "%(what)s can never fire: rule '%(rule)s' (line %(line)s) wins first"
            " by priority or row order with %(how)s"
        ),
        {"what": what, "rule": winner.rule.name, "line": winner.line, "how": how},
    )
    return Problem(source, item.line, "keywords", text, Severity.WARNING)
