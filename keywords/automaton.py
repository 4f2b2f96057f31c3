"""A typed adapter over pyahocorasick: which of many words occur in a text, in one pass."""

from __future__ import annotations

from collections.abc import Sequence

import ahocorasick


class WordAutomaton:
    """Aho-Corasick over `words`; a hit is reported as the word's index in `words`.

    The scan costs the text's length plus the number of hits, whatever the word count.
    """

    def __init__(self, words: Sequence[str]) -> None:
        self._automaton = None
        if not words:
            return  # pyahocorasick cannot scan with an empty automaton
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for index, word in enumerate(words):
            automaton.add_word(word, index)
        automaton.make_automaton()
        self._automaton = automaton

    def indexes_in(self, text: str) -> set[int]:
        """The indexes of the words that occur in `text` (each once, however often it occurs)."""
        if self._automaton is None or not text:
            return set()
        return {int(index) for _, index in self._automaton.iter(text)}
