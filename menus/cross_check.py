"""A menu against the rules behind it: click keys nothing answers, rules no button feeds,
conditional menus on tags wxbot never gives or never mirrors to WeChat. Warnings only:
a menu can go live ahead of its rules, but ops should know.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from filecheck.wording import N_, Wording
from keywords.problems import Problem, Severity
from menus.model import ButtonType, MenuSet
from tagging.rules import EventKind, RuleSet


@dataclass(frozen=True)
class ClickRule:
    """A keyword rule with the `click` trigger, and where ops can find it."""

    name: str
    keywords: tuple[str, ...]
    source: str
    line: int = 0


@dataclass(frozen=True)
class RulesBehind:
    """What answers menu events and which tags wxbot gives, gathered by the caller.

    `fires(key)` names the keyword rules that answer a menu event carrying `key`
    (the caller asks the real matcher, so match modes mean what they mean at run
    time). `given_tags` are the tag names keyword rules, tagging rules, journeys and
    contact rules give; `tag_patterns` the templated ones ("首触:*").
    """

    click_rules: Sequence[ClickRule]
    fires: Callable[[str], Collection[str]]
    tagging: RuleSet
    given_tags: Collection[str] = ()
    tag_patterns: Collection[str] = field(default=())


def cross_check(menus: MenuSet, source: str, rules: RulesBehind) -> list[Problem]:
    """Warnings both ways between `menus` and the rules behind its buttons."""
    problems: list[Problem] = []
    signal_keys: set[str] = set()
    answered_rules: set[str] = set()
    for menu in menus.menus:
        for _, button in menu.leaves():
            key = button.signal_key
            if not key or button.kind is None or button.kind.event is None:
                continue
            signal_keys.add(key)
            by_keywords = rules.fires(key)
            answered_rules.update(by_keywords)
            counted = rules.tagging.counters_for(EventKind.CLICK, key)
            if button.kind is ButtonType.CLICK and not by_keywords and not counted:
                problems.append(
                    Problem(
                        source, button.line_of("key"), "key",
                        Wording(
                            N_("click key '%(key)s' (%(name)s) is answered by no keyword rule "
                               "and counted by no tagging rule: a tap gets no reply, tag or "
                               "points"),
                            {"key": key, "name": button.name},
                        ),
                        Severity.WARNING,
                    )
                )  # fmt: skip
    for rule in rules.click_rules:
        if rule.name not in answered_rules:
            keys = ", ".join(rule.keywords) or "(none)"
            problems.append(
                Problem(
                    rule.source, rule.line, f"rule {rule.name}",
                    Wording(
                        N_("click rule '%(rule)s' answers %(keys)s, which no button of "
                           "%(source)s sends"),
                        {"rule": rule.name, "keys": keys, "source": source},
                    ),
                    Severity.WARNING,
                )
            )  # fmt: skip
    problems.extend(
        Problem(
            rules.tagging.source, counter.line, f"counter {counter.name}",
            Wording(
                N_("counter '%(counter)s' counts clicks on '%(key)s', which no button of "
                   "%(source)s sends"),
                {"counter": counter.name, "key": counter.key, "source": source},
            ),
            Severity.WARNING,
        )
        for counter in rules.tagging.counters
        if counter.event is EventKind.CLICK and counter.key and counter.key not in signal_keys
    )  # fmt: skip
    problems.extend(_tag_warnings(menus, source, rules))
    return problems


def _tag_warnings(menus: MenuSet, source: str, rules: RulesBehind) -> list[Problem]:
    problems: list[Problem] = []
    sync = rules.tagging.sync
    for menu in menus.conditional:
        tag = menu.match.tag if menu.match is not None else ""
        if not tag or menu.match is None:
            continue
        line = menu.match.line_of("tag")
        gives = tag in rules.given_tags or any(
            fnmatch.fnmatchcase(tag, pattern) for pattern in rules.tag_patterns
        )
        if not gives:
            why = Wording(
                N_(
                    "no keyword rule, tagging rule or journey gives tag '%(tag)s': only "
                    "followers tagged outside wxbot would see menu '%(menu)s'"
                ),
                {"tag": tag, "menu": menu.name},
            )
        elif not sync.official_account:
            why = Wording(
                N_(
                    "tags are not mirrored to the official account ([sync] official_account = "
                    "false): WeChat never sees '%(tag)s'"
                ),
                {"tag": tag},
            )
        elif not sync.mirrors(tag):
            why = Wording(
                N_("tag '%(tag)s' is kept in wxbot only ([sync] exclude): WeChat never sees it"),
                {"tag": tag},
            )
        else:
            continue
        problems.append(Problem(source, line, "tag", why, Severity.WARNING))
    return problems
