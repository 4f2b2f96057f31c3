"""The team's day (Asia/Shanghai) of a moment, as the YYYY-MM-DD that daily rows are keyed by."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo


@cache
def team_zone() -> ZoneInfo:
    return ZoneInfo("Asia/Shanghai")


def local_day(at: datetime) -> str:
    return at.astimezone(team_zone()).strftime("%Y-%m-%d")
