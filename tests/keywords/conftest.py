"""Fixtures for the keyword tests: one jieba tokenizer for the session (it loads in ~1 s)."""

from __future__ import annotations

import pytest

from keywords.segmenter import Segmenter


@pytest.fixture(scope="session")
def segmenter() -> Segmenter:
    """An initialized segmenter; matchers teach it words, which only ever adds entries."""
    segmenter = Segmenter()
    segmenter.initialize()
    return segmenter
