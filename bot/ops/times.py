"""Times as the CLI prints them: in Asia/Shanghai, with the zone said on every time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from keywords.hours import shanghai


def format_time(value: datetime | None) -> str:
    """`2026-12-02 04:02 UTC+8`; a stored time without a zone is UTC (SQLite drops it).

    The offset, not "CST", because CST also names US Central time.
    """
    if value is None:
        return "-"
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    local = aware.astimezone(shanghai())
    offset = local.utcoffset() or timedelta()
    hours, rest = divmod(int(offset.total_seconds()) // 60, 60)
    zone = f"UTC{hours:+d}" + (f":{rest:02d}" if rest else "")
    return f"{local:%Y-%m-%d %H:%M} {zone}"
