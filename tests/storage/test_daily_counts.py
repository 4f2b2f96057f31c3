"""Dashboard day counts: a finished day is counted once and then read back; today is live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.admin_models import DailyCount
from storage.daily_counts import Day, daily_counts
from storage.database import SessionFactory
from storage.models import InboundEvent, Profile

NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
YESTERDAY = Day("2026-03-01", NOW - timedelta(days=1), NOW - timedelta(hours=1), finished=True)
TODAY = Day("2026-03-02", NOW - timedelta(hours=1), NOW + timedelta(days=1), finished=False)


async def _add(sessions: SessionFactory, at: datetime, n: int, **fields: str | None) -> None:
    async with sessions.begin() as session:
        profile = Profile(score=0)
        session.add(profile)
        await session.flush()
        for i in range(n):
            session.add(
                InboundEvent(
                    dedup_key=f"{at.isoformat()}:{fields}:{i}", account="main", openid="o",
                    profile_id=profile.id, msg_type=fields.get("msg_type") or "text",
                    event=fields.get("event"), rule=fields.get("rule"), sent_at=at,
                    received_at=at,
                )
            )  # fmt: skip


DEFAULTS = {"fallback"}


async def test_a_finished_day_is_kept_and_today_stays_live(sessions: SessionFactory) -> None:
    await _add(sessions, YESTERDAY.start + timedelta(hours=2), 3, rule="price")
    await _add(sessions, YESTERDAY.start + timedelta(hours=3), 2, rule=None)
    await _add(
        sessions, YESTERDAY.start + timedelta(hours=4), 1, msg_type="event", event="subscribe"
    )
    first = await daily_counts(sessions, [YESTERDAY, TODAY], DEFAULTS)
    assert first[YESTERDAY.label] == {
        "received": 5, "follows": 1, "answered": 3, "unanswered": 2
    }  # fmt: skip
    assert first[TODAY.label]["received"] == 0
    # A late row for yesterday does not change the stored day; today's new rows count at once.
    await _add(sessions, YESTERDAY.start + timedelta(hours=5), 4, rule="price")
    await _add(sessions, TODAY.start + timedelta(minutes=5), 2, rule=None)
    second = await daily_counts(sessions, [YESTERDAY, TODAY], DEFAULTS)
    assert second[YESTERDAY.label]["received"] == 5
    assert second[TODAY.label] == {"received": 2, "follows": 0, "answered": 0, "unanswered": 2}


async def test_voice_counts_and_a_default_rules_reply_is_no_answer(
    sessions: SessionFactory,
) -> None:
    """As the misses report counts: recognised voice is a message, the fallback no answer."""
    at = TODAY.start + timedelta(minutes=1)
    await _add(sessions, at, 2, msg_type="voice", rule="price")
    await _add(sessions, at, 3, rule="fallback")
    counts = await daily_counts(sessions, [TODAY], DEFAULTS)
    assert counts[TODAY.label] == {"received": 5, "follows": 0, "answered": 2, "unanswered": 3}


async def test_a_day_stored_by_an_earlier_release_is_counted_again(
    sessions: SessionFactory,
) -> None:
    """Rows under the first release's metric names ("messages", "matched"...) are not
    this release's figures: the day is counted afresh."""
    await _add(sessions, YESTERDAY.start + timedelta(hours=2), 2, rule="price")
    async with sessions.begin() as session:
        for metric, value in (("messages", 9), ("follows", 9), ("matched", 9), ("missed", 9)):
            session.add(DailyCount(day=YESTERDAY.label, metric=metric, value=value))
    counts = await daily_counts(sessions, [YESTERDAY], DEFAULTS)
    assert counts[YESTERDAY.label] == {"received": 2, "follows": 0, "answered": 2, "unanswered": 0}
