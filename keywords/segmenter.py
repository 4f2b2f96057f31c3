"""A typed adapter over one jieba tokenizer, for `word` keywords.

Each Segmenter owns a `jieba.Tokenizer` instance rather than jieba's global one, so
learned words stay with the tables that taught them. Its dictionary takes about a
second to build: call `initialize()` from a thread before serving.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import ChainMap
from collections.abc import Iterable

import jieba

# jieba cuts only runs of these characters with its dictionary; any other character is
# a token of its own, so a longer keyword that mixes them can never come out whole.
_DICTIONARY_RUN = re.compile("[\u4e00-\u9fd5a-zA-Z0-9+#&._%\\-]+")


def can_be_word(word: str) -> bool:
    """Whether jieba could ever emit `word` as one token."""
    return len(word) == 1 or _DICTIONARY_RUN.fullmatch(word) is not None


@functools.cache
def _base_dictionary() -> tuple[dict[str, int], int]:
    """jieba's parsed main dictionary, read once per process (~0.4 s; it never changes)."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return dict(tokenizer.FREQ), int(tokenizer.total)


def preload_dictionary() -> None:
    """Read jieba's dictionary now (before forking workers, so they share it)."""
    _base_dictionary()


class Segmenter:
    """Cuts (normalized) text into jieba words, after learning the table's keywords."""

    def __init__(self) -> None:
        # jieba logs "Building prefix dict..." at DEBUG to stderr through its own handler.
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()

    def initialize(self) -> None:
        """Load the dictionary (slow the first time in a process, blocking: run it in a thread)."""
        frequencies, total = _base_dictionary()
        # The process's one dictionary, read-only, under this segmenter's own learned
        # words: words it learns never leak into other segmenters, and a copy of the
        # whole dictionary (~90 MB) per segmenter and per worker process is avoided
        # (`bench/callback.py` measured two workers at 1.9x one process with copies).
        self._tokenizer.FREQ = ChainMap({}, frequencies)
        self._tokenizer.total = total
        self._tokenizer.initialized = True

    def add_words(self, words: Iterable[str]) -> None:
        """Teach words (brand and product names) so they are never split.

        Words jieba could not emit whole, and words it already knows, are skipped (its
        dictionary also holds every word prefix, with frequency 0). Safe while another
        thread cuts: jieba only adds dictionary entries, it never removes or iterates them.
        """
        for word in words:
            if can_be_word(word) and not self._tokenizer.FREQ.get(word, 0):
                self._tokenizer.add_word(word)

    def cut(self, text: str) -> list[str]:
        """The words of `text`.

        No HMM: it would guess new words from unknown characters, which makes a
        keyword's firing depend on its neighbours; learned words are found without it.
        """
        return [str(word) for word in self._tokenizer.cut(text, HMM=False)]
