"""Fixed-width columns that stay aligned with Chinese text.

A Chinese character takes two terminal cells, so `str.ljust` (which counts code
points) misaligns every row holding one; `wcwidth` counts cells as terminals do.
"""

from __future__ import annotations

from wcwidth import wcswidth


def cells(text: str) -> int:
    """Terminal cells `text` takes (control characters count as one)."""
    width = wcswidth(text)
    return width if width >= 0 else len(text)


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` cells, with at least one space after it."""
    return text + " " * max(1, width - cells(text))
