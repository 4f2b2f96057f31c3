"""Why a rule fires: the answer behind `wxbot keywords test`, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from filecheck.wording import N_, Wording
from keywords.hours import local_time
from keywords.matcher import KeywordMatcher, Match, Signal
from keywords.rules import ReplyMode, ReplyType


@dataclass(frozen=True)
class Explanation:
    """The winning match (None: no rule fires, the fallback answers), every rule that
    also fired on the signal but lost on priority or row order, and the rules that
    would have fired but were outside their `hours`."""

    signal: Signal
    winner: Match | None
    beaten: tuple[Match, ...]
    closed: tuple[Match, ...] = ()
    at: time | None = None  # the Shanghai time of day it was tried at

    @property
    def replies(self) -> tuple[str, ...]:
        """What may go out: one variant at random, or all of them in order."""
        if self.winner is None or self.winner.rule.reply_type is ReplyType.NONE:
            return ()
        return self.winner.rule.replies

    @property
    def reply_note(self) -> Wording:
        """How the reply goes out, in a few words."""
        if self.winner is None:
            return Wording(N_("no rule fires: the fallback answers"))
        rule = self.winner.rule
        if rule.reply_type is ReplyType.NONE:
            return Wording(N_("no reply (tags and points only)"))
        if rule.reply_mode is ReplyMode.ALL and len(rule.replies) > 1:
            return Wording(
                N_("the first as the reply, the rest through customer service, in order")
            )
        if len(rule.replies) > 1:
            return Wording(
                N_("one of %(count)s variants at random (A/B test)"), {"count": len(rule.replies)}
            )
        return Wording(N_("%(reply_type)s reply"), {"reply_type": rule.reply_type})


def explain_signal(matcher: KeywordMatcher, signal: Signal, now: datetime) -> Explanation:
    """Which rule answers `signal` at `now`, and which rules it beat."""
    winner = matcher.match(signal, now)
    every = matcher.explain(signal, now)
    beaten = tuple(match for match in every if winner is None or match.rule != winner.rule)
    open_rules = {match.rule.name for match in every}
    closed = tuple(
        match
        for match in matcher.explain(signal, now, any_hour=True)
        if match.rule.name not in open_rules and match.rule.hours is not None
    )
    beaten = beaten if winner is not None else ()
    return Explanation(signal, winner, beaten, closed, local_time(now))
