"""Property tests of the openid batching helper."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wxapi import BATCH_TAGGING_MAX, chunked

openids = st.lists(st.text(alphabet="abcdef0123456789", min_size=1, max_size=6), max_size=300)


@given(items=openids, size=st.integers(min_value=1, max_value=120))
def test_chunks_keep_each_openid_once_in_first_seen_order(items: list[str], size: int) -> None:
    batches = chunked(items, size)
    flat = [openid for batch in batches for openid in batch]
    assert flat == list(dict.fromkeys(items))


@given(items=openids, size=st.integers(min_value=1, max_value=120))
def test_only_the_last_chunk_may_be_short(items: list[str], size: int) -> None:
    batches = chunked(items, size)
    assert all(len(batch) == size for batch in batches[:-1])
    assert all(0 < len(batch) <= size for batch in batches)


@given(items=openids)
def test_default_size_is_the_api_limit(items: list[str]) -> None:
    assert all(len(batch) <= BATCH_TAGGING_MAX for batch in chunked(items))


@pytest.mark.parametrize("size", [0, -1])
def test_non_positive_size_is_refused(size: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        chunked(["a"], size)
