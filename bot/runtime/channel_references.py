"""Where the configuration names channels: grades' `channels` and `channel_groups`, and
journey conditions' `channel:` and `channel_group:` terms, gathered to be checked against
a channel table (`channels.references`): by `wxbot channels check` and `publish`,
`wxbot journeys check`, and in the log when a bot starts or a table goes live.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from bot.config.settings import Settings
from channels.model import ChannelTable
from channels.references import ChannelReference, unknown_references
from journeys.definition import Catalog
from journeys.expressions import Expr, terms
from journeys.journeys_file import JourneysError, load_journeys

log = logging.getLogger(__name__)


def grade_references(settings: Settings) -> list[ChannelReference]:
    """The channels and groups the lead grades name."""
    source = str(settings.source)
    return [
        ChannelReference(source, 0, f"[[leads.grades]] {grade.name}.{key}", value, group)
        for grade in (settings.leads.grades if settings.leads else ())
        for condition in grade.when
        for key, values, group in (
            ("channels", condition.channels, False),
            ("channel_groups", condition.channel_groups, True),
        )
        for value in values
    ]


def journey_references(catalog: Catalog, source: str) -> list[ChannelReference]:
    """The channels and groups the journeys' conditions name (entry, exit, steps)."""
    found = []
    for journey in catalog.journeys:
        conditions: list[tuple[str, Expr | None, int]] = [
            (f"journey {journey.name}.when", journey.when, journey.line),
            (f"journey {journey.name}.exit", journey.exit, journey.line),
            *((f"journey {journey.name} step {n}.when", step.when, step.line)
              for n, step in enumerate(journey.steps, 1)),
        ]  # fmt: skip
        for where, expr, line in conditions:
            for kind, value in _channel_terms(expr):
                found.append(ChannelReference(source, line, where, value, kind == "channel_group"))
    return found


def _channel_terms(expr: Expr | None) -> Iterator[tuple[str, str]]:
    for term in terms(expr) if expr is not None else ():
        kind, _, value = term.text.partition(":")
        if kind in ("channel", "channel_group"):
            yield kind, value


def configured_references(settings: Settings) -> list[ChannelReference]:
    """The grades' references and, when the journeys file reads, the journeys'."""
    found = grade_references(settings)
    path: Path | None = settings.journeys.file
    if path is not None:
        # A broken journeys file is its own check's business.
        with contextlib.suppress(JourneysError, OSError):
            found += journey_references(load_journeys(path), path.name)
    return found


def log_unknown_references(table: ChannelTable, references: list[ChannelReference]) -> None:
    """Say in the log which names the live table lacks (the conditions still run)."""
    for problem in unknown_references(table, references):
        log.warning("%s", problem)
