"""What a publish changes, in one line for the history: channels added, removed, changed."""

from __future__ import annotations

from channels.model import ChannelTable

_NAMED = 5  # keys named per kind of change; the count says the rest


def diff_summary(old: ChannelTable, new: ChannelTable) -> str:
    """E.g. "1 added (feed_ads), 1 changed (spring_expo)"; "no change" when equal."""
    before = {c.key: c for c in old.channels}
    after = {c.key: c for c in new.channels}
    parts = []
    for label, keys in (
        ("added", [k for k in after if k not in before]),
        ("removed", [k for k in before if k not in after]),
        ("changed", [k for k in after if k in before and after[k] != before[k]]),
    ):
        if keys:
            more = ", …" if len(keys) > _NAMED else ""
            parts.append(f"{len(keys)} {label} ({', '.join(keys[:_NAMED])}{more})")
    if old.default_welcome != new.default_welcome:
        parts.append("default welcome changed")
    return ", ".join(parts) or "no change"
