"""Fixtures for the keyword operations tests: one jieba tokenizer for the session."""

from __future__ import annotations

import pytest

from keywords.segmenter import Segmenter


@pytest.fixture(scope="session")
def segmenter() -> Segmenter:
    """An initialized segmenter (loading the dictionary takes about a second)."""
    segmenter = Segmenter()
    segmenter.initialize()
    return segmenter
