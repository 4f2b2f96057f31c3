"""The vocabulary of a keyword table: what one row says, as frozen values.

Everything here is plain data; parsing lives in `table_rows`, matching in `matcher`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from enum import StrEnum


class Trigger(StrEnum):
    """What a follower did: the kind of signal a rule answers."""

    TEXT = "text"
    CLICK = "click"  # menu EventKey
    SUBSCRIBE = "subscribe"  # follow; keywords are QR scenes, blank = any follow
    SCAN = "scan"  # QR scan by a follower; keywords are scenes, blank = any scan
    DEFAULT = "default"  # a text message nothing else answered

    @property
    def needs_keywords(self) -> bool:
        """Text and menu rules without keywords could never fire."""
        return self in (Trigger.TEXT, Trigger.CLICK)

    @property
    def blank_matches_any(self) -> bool:
        """A blank keyword cell means "every signal of this kind"."""
        return self in (Trigger.SUBSCRIBE, Trigger.SCAN)


class MatchMode(StrEnum):
    """How a keyword is compared with the (normalized) message."""

    CONTAINS = "contains"
    EXACT = "exact"
    REGEX = "regex"
    WORD = "word"  # a whole jieba word of the message


class ReplyType(StrEnum):
    TEXT = "text"
    IMAGE = "image"  # reply is a media_id
    NEWS = "news"  # reply is a JSON list of articles
    NONE = "none"  # tag and score only, stay silent


class ReplyMode(StrEnum):
    RANDOM = "random"  # one variant at random
    ALL = "all"  # first as the passive reply, the rest through customer service


def default_match(trigger: Trigger) -> MatchMode:
    """The match mode of a blank `match` cell: menu keys and QR scenes are identifiers."""
    return MatchMode.CONTAINS if trigger in (Trigger.TEXT, Trigger.DEFAULT) else MatchMode.EXACT


@dataclass(frozen=True)
class Article:
    """One item of a news reply (the fields WeChat's news message takes)."""

    title: str
    description: str = ""
    url: str = ""
    picurl: str = ""


@dataclass(frozen=True)
class HoursWindow:
    """Local (Asia/Shanghai) opening hours, start inclusive, end exclusive.

    `start > end` wraps past midnight: 22:00-06:00 is open at 23:30 and 05:59.
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        for moment in (self.start, self.end):
            if moment.tzinfo is not None or moment.second or moment.microsecond:
                raise ValueError(f"hours are whole minutes without a zone, got {moment}")
        if self.start == self.end:
            raise ValueError("an hours window needs different start and end")

    def contains(self, moment: time) -> bool:
        """Whether the local wall-clock `moment` is inside the window."""
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True)
class Rule:
    """One row of a keyword table, validated.

    `keywords` holds the cell split on `|` (for `regex` rules the whole cell is one
    pattern, since `|` is the regex alternation); `replies` holds the variants.
    """

    name: str
    keywords: tuple[str, ...] = ()
    replies: tuple[str, ...] = ()
    trigger: Trigger = Trigger.TEXT
    match: MatchMode = MatchMode.CONTAINS
    reply_type: ReplyType = ReplyType.TEXT
    reply_mode: ReplyMode = ReplyMode.RANDOM
    tags: tuple[str, ...] = ()
    score: int = 0
    priority: int = 0
    enabled: bool = True
    hours: HoursWindow | None = None
