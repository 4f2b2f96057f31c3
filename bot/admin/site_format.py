"""How the site writes values for people: times in the team's timezone."""

from __future__ import annotations

from datetime import datetime

from keywords.hours import shanghai


def local_time(value: datetime | None) -> str:
    """Times as the team reads them: Shanghai, to the minute."""
    return "-" if value is None else value.astimezone(shanghai()).strftime("%Y-%m-%d %H:%M")
