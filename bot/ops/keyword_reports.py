"""The learning reports: what went unanswered, which rules fire, which variants work."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.ops.keyword_ops import KeywordStore
from bot.ops.limits import MISSES_LIMIT
from filecheck.wording import N_, Wording
from keywords.abtest import Comparison, Proportion, compare
from keywords.misses import Cut, Phrase, group_misses
from keywords.rules import Rule, Trigger
from storage.keyword_stats import Exposure, exposures, missed_texts, rule_hits, went_on_times
from storage.tables.keywords import SHARED_ACCOUNT
from tagging.contacts import mask_phones

WENT_ON_WITHIN = timedelta(hours=24)


@dataclass(frozen=True)
class MissesReport:
    """Frequent phrases of unanswered messages; hits per live rule, the silent ones too."""

    days: int
    missed: int
    phrases: tuple[Phrase, ...]
    hits: tuple[tuple[str, int], ...]  # most hits first; rules that never fired at the end


@dataclass(frozen=True)
class VariantStat:
    variant: int
    got: int
    went_on: int

    @property
    def rate(self) -> float:
        return self.went_on / self.got if self.got else 0.0


@dataclass(frozen=True)
class RuleVariants:
    """One rule's variants, and each compared with the best one."""

    rule: str
    variants: tuple[VariantStat, ...]
    comparisons: tuple[Comparison, ...]


async def _live_rules(store: KeywordStore, account: str | None) -> list[Rule]:
    names = [account] if account else [a.name for a in store.settings.wechat]
    tables = [await store.live(name) for name in [*names, SHARED_ACCOUNT]]
    return [rule for table in tables for rule in table.rules]


def _defaults(rules: Sequence[Rule]) -> set[str]:
    return {rule.name for rule in rules if rule.trigger is Trigger.DEFAULT}


async def default_rules(store: KeywordStore, account: str | None = None) -> set[str]:
    """Names of the live `default` rules: a message only they answered went unanswered."""
    return _defaults(await _live_rules(store, account))


async def misses_report(
    store: KeywordStore, cut: Cut, now: datetime, days: int, account: str | None = None
) -> MissesReport:
    """Unanswered text messages of the last `days` days, grouped; and hits per rule."""
    since = now - timedelta(days=days)
    rules = await _live_rules(store, account)
    missed, texts = await missed_texts(store.sessions, since, account, _defaults(rules))
    grouped = await asyncio.to_thread(group_misses, texts, cut, MISSES_LIMIT)
    # Followers leave phone numbers in exactly the messages no rule knew: mask them.
    phrases = [Phrase(p.phrase, p.count, mask_phones(p.example)) for p in grouped]
    hits = await rule_hits(store.sessions, since, account)
    for rule in rules:
        if rule.enabled:
            hits.setdefault(rule.name, 0)
    ranked = sorted(hits.items(), key=lambda item: (-item[1], item[0]))
    return MissesReport(days, missed, tuple(phrases), tuple(ranked))


def _went_on(exposure: Exposure, times: Sequence[datetime]) -> bool:
    return any(exposure.at < at <= exposure.at + WENT_ON_WITHIN for at in times)


def variant_stats(
    seen: Sequence[Exposure], went_on: dict[int, list[datetime]]
) -> list[RuleVariants]:
    """Per rule and variant: followers who got it (their first time) and who went on."""
    first: dict[tuple[str, int], Exposure] = {}
    for exposure in seen:  # oldest first: a follower stays in the group they first fell in
        first.setdefault((exposure.rule, exposure.profile_id), exposure)
    counts: dict[str, dict[int, list[int]]] = {}
    for exposure in first.values():
        got = counts.setdefault(exposure.rule, {}).setdefault(exposure.variant, [0, 0])
        got[0] += 1
        got[1] += _went_on(exposure, went_on.get(exposure.profile_id, ()))
    report: list[RuleVariants] = []
    for rule in sorted(counts):
        stats = tuple(VariantStat(v, n, k) for v, (n, k) in sorted(counts[rule].items()))
        if len(stats) < 2:  # noqa: PLR2004 - a comparison needs two groups
            continue
        best = max(stats, key=lambda stat: (stat.rate, -stat.variant))
        comparisons = tuple(
            compare(
                Proportion(best.went_on, best.got),
                Proportion(other.went_on, other.got),
                Wording(N_("variant %(n)s"), {"n": best.variant + 1}),
                Wording(N_("variant %(n)s"), {"n": other.variant + 1}),
            )
            for other in stats
            if other is not best
        )
        report.append(RuleVariants(rule, stats, comparisons))
    return report


async def variants_report(
    store: KeywordStore, now: datetime, days: int, account: str | None = None
) -> list[RuleVariants]:
    """The A/B report of the last `days` days (conversions may run 24 h past the window)."""
    since = now - timedelta(days=days)
    seen = await exposures(store.sessions, since, account)
    went_on = await went_on_times(store.sessions, [e.profile_id for e in seen], since)
    return variant_stats(seen, went_on)
