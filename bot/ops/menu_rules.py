"""The rules behind an account's menu, gathered for `menus.cross_check`.

Keyword tables as the account answers now (its live version, else the configured
file, then the shared table), the tagging rules, and every tag wxbot gives: keyword
rows, tagging rules, journeys and WeCom contacts.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Collection, Sequence
from pathlib import Path

from bot.config.settings import Settings
from bot.runtime.keyword_tables import LiveTable, configured_file, live_table
from journeys.definition import ActionKind
from journeys.journeys_file import load_journeys
from keywords.matcher import KeywordMatcher, Signal
from keywords.rules import Rule, Trigger
from keywords.segmenter import Segmenter
from keywords.table_csv import read_table
from leads.limits import CONTACT_ADDED_TAG, CONTACT_STATE_TAG_PREFIX
from menus.cross_check import ClickRule, RulesBehind
from storage.database import SessionFactory
from storage.tables.keywords import SHARED_ACCOUNT
from storage.types import utc_now
from tagging.rules import RuleSet
from tagging.rules_file import load_rules

_CSV_FIRST_ROW = 2  # line 1 is the header, in a file and in `wxbot keywords export`


async def rules_behind(
    settings: Settings, sessions: SessionFactory | None, account: str
) -> RulesBehind:
    """What answers `account`'s menu; without a database, the configured files alone."""
    tables = [await _table(settings, sessions, name) for name in (account, SHARED_ACCOUNT)]
    tagging = await asyncio.to_thread(_tagging, settings.tagging.rules)
    journey_tags = await asyncio.to_thread(_journey_tags, settings.journeys.file)
    rules = [rule for _, found in tables for rule, _ in found]
    fires = await asyncio.to_thread(_click_matcher, rules)
    return RulesBehind(
        click_rules=[
            ClickRule(rule.name, rule.keywords, source, line)
            for source, found in tables
            for rule, line in found
            if rule.trigger is Trigger.CLICK and rule.enabled
        ],
        fires=lambda key: [
            m.rule.name for m in fires.explain(Signal(Trigger.CLICK, key), utc_now())
        ],
        tagging=tagging,
        given_tags={
            *(tag for rule in rules for tag in rule.tags),
            *_tagging_tags(tagging),
            *journey_tags,
            CONTACT_ADDED_TAG,
        },
        tag_patterns=[*_touch_patterns(tagging), f"{CONTACT_STATE_TAG_PREFIX}*"],
    )


async def _table(
    settings: Settings, sessions: SessionFactory | None, account: str
) -> tuple[str, list[tuple[Rule, int]]]:
    """A table's label and its rules with the line each is on."""
    if sessions is not None:
        live: LiveTable = await live_table(settings, sessions, account)
        if live.version is not None:
            label = f"keyword table v{live.version} of {account} (`wxbot keywords export`)"
            return label, [(rule, index + _CSV_FIRST_ROW) for index, rule in enumerate(live.rules)]
    path = configured_file(settings, account)
    if path is None or not path.is_file():
        return str(path or account), []
    parsed = await asyncio.to_thread(read_table, path)
    return str(path), list(zip(parsed.rules, parsed.lines, strict=True))


def _click_matcher(rules: Sequence[Rule]) -> KeywordMatcher:
    """The click rules without their hours: "is this key answered" means at any hour."""
    clicks = [dataclasses.replace(r, hours=None) for r in rules if r.trigger is Trigger.CLICK]
    return KeywordMatcher(clicks, Segmenter())


def _tagging(path: Path | None) -> RuleSet:
    return load_rules(path) if path is not None else RuleSet()


def _tagging_tags(rules: RuleSet) -> set[str]:
    tags = {counter.tag for counter in rules.counters}
    tags |= {tag for tier in rules.tiers for tag in tier.tags}
    extra = (rules.contact.phone_tag, rules.contact.wechat_id_tag, rules.unsubscribe.tag)
    return tags | {tag for tag in extra if tag}


def _touch_patterns(rules: RuleSet) -> list[str]:
    templates = (rules.touch.first, rules.touch.last)
    return [template.replace("{channel}", "*") for template in templates if template]


def _journey_tags(path: Path | None) -> Collection[str]:
    if path is None or not path.is_file():
        return ()
    catalog = load_journeys(path)
    return {
        tag
        for journey in catalog.journeys
        for step in journey.steps
        if step.action.kind is ActionKind.ADD_TAGS
        for tag in step.action.tags
    }
