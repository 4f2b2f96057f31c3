"""Opening hours: parsing, wrapping past midnight, and the Shanghai clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from keywords.hours import covers, local_time, parse_hours
from keywords.rules import HoursWindow

DAY = HoursWindow(time(9), time(18))
NIGHT = HoursWindow(time(22), time(6))


@pytest.mark.parametrize(
    ("window", "moment", "open_"),
    [
        (DAY, time(9), True),
        (DAY, time(17, 59, 59), True),
        (DAY, time(18), False),
        (DAY, time(8, 59), False),
        (NIGHT, time(22), True),
        (NIGHT, time(23, 30), True),
        (NIGHT, time(0), True),
        (NIGHT, time(5, 59), True),
        (NIGHT, time(6), False),
        (NIGHT, time(12), False),
    ],
)
def test_window_contains(window: HoursWindow, moment: time, open_: bool) -> None:
    assert window.contains(moment) is open_


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("09:00-18:00", DAY), ("9:00 - 18:00", DAY), ("０９：００－１８：００", DAY),
     ("22:00~06:00", NIGHT)],
)  # fmt: skip
def test_parse_hours(cell: str, expected: HoursWindow) -> None:
    assert parse_hours(cell) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2024, 5, 1, 1, 30, tzinfo=UTC), time(9, 30)),
        (datetime(2024, 5, 1, 15, 0, tzinfo=UTC), time(23, 0)),
        (datetime(2024, 5, 1, 9, 0, tzinfo=timezone(timedelta(hours=9))), time(8, 0)),
    ],
)
def test_local_time_is_shanghai(now: datetime, expected: time) -> None:
    assert local_time(now) == expected


def test_local_time_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_time(datetime(2024, 5, 1, 9))  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize(
    ("outer", "inner", "expected"),
    [
        (None, DAY, True),
        (DAY, None, False),
        (DAY, HoursWindow(time(10), time(12)), True),
        (DAY, HoursWindow(time(17), time(19)), False),
        (NIGHT, HoursWindow(time(23), time(1)), True),
        (HoursWindow(time(20), time(8)), NIGHT, True),
        (NIGHT, HoursWindow(time(21), time(1)), False),
    ],
)
def test_covers(outer: HoursWindow | None, inner: HoursWindow | None, expected: bool) -> None:
    assert covers(outer, inner) is expected
