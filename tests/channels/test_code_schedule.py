"""When codes fall due with no add: rota changes, auto-accept windows, QR renewals."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from channels.code_schedule import RENEW_BEFORE, DueCodes, due_codes, next_due, skip_verify_now
from channels.model import Channel, ChannelTable, ContactWay, QrCode, QrKind, Rota, Shift, Window
from keywords.hours import shanghai

MONDAY = datetime(2026, 12, 7, tzinfo=shanghai())
WEEKDAYS = Shift(frozenset(range(5)), time(9), time(18), ("zhangsan", "lisi"))
WAY = ContactWay("sales", Rota((WEEKDAYS,), cap=0, backups=("lisi",)))
POSTER = QrCode("main", QrKind.TEMPORARY, 30)
TABLE = ChannelTable(
    (
        Channel("expo", "车展", wecom=WAY, qr=POSTER),
        Channel("store", "门店", qr=QrCode("main", QrKind.PERMANENT)),
        Channel("old", "旧渠道", wecom=WAY, enabled=False),
    )
)


def test_the_last_shift_change_is_due_under_a_key_that_names_it() -> None:
    noon = MONDAY.replace(hour=12)
    assert due_codes(TABLE, {}, noon) == [DueCodes("expo", "rota", MONDAY.replace(hour=9))]
    again = due_codes(TABLE, {}, noon + timedelta(hours=1))
    assert [d.dedup_key for d in again] == [d.dedup_key for d in due_codes(TABLE, {}, noon)]
    evening = due_codes(TABLE, {}, MONDAY.replace(hour=18, second=1))
    assert evening == [DueCodes("expo", "rota", MONDAY.replace(hour=18))]
    assert evening[0].dedup_key != again[0].dedup_key


def test_a_temporary_code_is_due_three_days_before_it_ends_and_not_before() -> None:
    ends = MONDAY + timedelta(days=10)
    expiries = {"expo": ends, "store": None}
    before = ends - RENEW_BEFORE - timedelta(seconds=1)
    assert [d.why for d in due_codes(TABLE, expiries, before)] == ["rota"]
    renew = [d for d in due_codes(TABLE, expiries, ends - RENEW_BEFORE) if d.why == "renew"]
    assert renew == [DueCodes("expo", "renew", ends)]


def test_the_keeper_sleeps_until_the_soonest_change_or_renewal() -> None:
    noon = MONDAY.replace(hour=12)
    assert next_due(TABLE, {}, noon) == MONDAY.replace(hour=18)
    soon = noon + RENEW_BEFORE + timedelta(hours=1)
    assert next_due(TABLE, {"expo": soon}, noon) == noon + timedelta(hours=1)
    assert next_due(ChannelTable((TABLE.channels[1],)), {"store": None}, noon) is None


def test_an_auto_accept_window_opens_and_closes_the_way_on_time() -> None:
    windowed = ContactWay("sales", WAY.rota, skip_verify=True,
                          skip_verify_hours=Window(time(8), time(20)))  # fmt: skip
    table = ChannelTable((Channel("expo", "车展", wecom=windowed),))
    at_19 = MONDAY.replace(hour=19)
    assert next_due(table, {}, at_19) == MONDAY.replace(hour=20)
    assert skip_verify_now(windowed, at_19)
    assert not skip_verify_now(windowed, MONDAY.replace(hour=20))
    assert not skip_verify_now(ContactWay("sales", WAY.rota, skip_verify=False), at_19)
