"""What followers asked that no rule answered, grouped into their most frequent phrases.

Each message is cut into jieba words; stop words, single characters, numbers and
punctuation are dropped. A phrase is a content word or two adjacent content words
("预约" + "试驾" → "预约试驾"). A message counts once per phrase, and a word is left
out when a longer phrase holding it is asked just as often (it says nothing more).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise

from keywords.normalize import normalize
from keywords.stop_words import STOP_WORDS

Cut = Callable[[str], list[str]]
_CONTENT = re.compile(r"[^\W\d_]{2,}|[^\W\d_][\w]+")  # letters; numbers alone say nothing
_EXAMPLE_CHARS = 80  # a preview, not the whole message


@dataclass(frozen=True)
class Phrase:
    """A phrase, how many missed messages held it, and one of them as an example."""

    phrase: str
    count: int
    example: str


def _is_content(word: str) -> bool:
    return word not in STOP_WORDS and _CONTENT.fullmatch(word) is not None


def content_words(text: str, cut: Cut) -> list[str | None]:
    """The words of `text` in order, None where a stop word or symbol was (pairs stop there)."""
    return [word if _is_content(word) else None for word in cut(normalize(text))]


def _pairs(words: list[str | None]) -> list[tuple[str, str]]:
    return [
        (first, second)
        for first, second in pairwise(words)
        if first is not None and second is not None
    ]


def group_misses(messages: Iterable[str], cut: Cut, limit: int = 20) -> list[Phrase]:
    """The `limit` most frequent phrases of `messages`, most frequent first."""
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    parts: dict[str, tuple[str, ...]] = {}
    for message in messages:
        words = content_words(message, cut)
        pairs = _pairs(words)
        for first, second in pairs:
            parts.setdefault(first + second, (first, second))
        phrases = {word for word in words if word is not None}
        phrases.update(first + second for first, second in pairs)
        for phrase in phrases:
            counts[phrase] += 1
            examples.setdefault(phrase, message.strip()[:_EXAMPLE_CHARS])
    covered = {
        word
        for phrase, pieces in parts.items()
        for word in pieces
        if counts[phrase] == counts[word]
    }
    ranked = sorted(
        (phrase for phrase in counts if phrase not in covered),
        key=lambda phrase: (-counts[phrase], -len(phrase), phrase),
    )
    return [Phrase(phrase, counts[phrase], examples[phrase]) for phrase in ranked[:limit]]
