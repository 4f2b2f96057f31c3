"""Splitting openid lists into API-sized batches (batching is the caller's job)."""

from __future__ import annotations

from collections.abc import Sequence

from wxapi.limits import BATCH_TAGGING_MAX


def chunked(items: Sequence[str], size: int = BATCH_TAGGING_MAX) -> list[list[str]]:
    """`items` in order, in lists of at most `size`, duplicates dropped (first kept)."""
    if size < 1:
        raise ValueError(f"batch size must be positive, got {size}")
    unique = list(dict.fromkeys(items))
    return [unique[i : i + size] for i in range(0, len(unique), size)]
