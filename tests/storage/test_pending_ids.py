"""The effects stage's next batch: the oldest pending events of its partitions, in order."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from storage.database import SessionFactory
from storage.lead_models import WeComEvent
from storage.models import InboundEvent
from storage.pending_events import APPLIED, FAILED, HELD, PARTITIONS, PENDING, pending_ids

AT = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)

# Each event: its partition and its state, in the order they were appended. A few
# partitions, so that one often holds most of the oldest pending events.
partition_numbers = st.sampled_from([0, 1, 2, PARTITIONS - 1])
events = st.lists(
    st.tuples(partition_numbers, st.sampled_from([PENDING, PENDING, APPLIED, HELD, FAILED])),
    max_size=60,
)
partition_sets = st.sets(partition_numbers, min_size=1)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(stored=events, partitions=partition_sets, limit=st.integers(1, 8))
@example(stored=[(0, PENDING)] * 4 + [(1, PENDING)], partitions={0, 1}, limit=4)  # all from one
async def test_the_oldest_pending_events_of_the_partitions_asked_for(
    sessions: SessionFactory,
    stored: list[tuple[int, str]],
    partitions: set[int],
    limit: int,
) -> None:
    rows = [
        {
            "dedup_key": f"k{n}",
            "account": "main",
            "openid": f"o{n}",
            "msg_type": "text",
            "sent_at": AT,
            "received_at": AT,
            "partition": partition,
            "effects_state": state,
        }
        for n, (partition, state) in enumerate(stored)
    ]
    async with sessions.begin() as session:
        append = insert(InboundEvent).returning(InboundEvent.id, sort_by_parameter_order=True)
        ids = list(await session.scalars(append, rows)) if rows else []  # [] would insert one
        found = await pending_ids(session, InboundEvent, partitions, limit)
        await session.execute(delete(InboundEvent))
    expected = [
        event_id
        for event_id, (partition, state) in sorted(zip(ids, stored, strict=True))
        if state == PENDING and partition in partitions
    ][:limit]
    assert found == expected


async def test_wecom_events_are_found_the_same_way(sessions: SessionFactory) -> None:
    rows = [
        {
            "dedup_key": f"w{n}",
            "app": "sales",
            "from_user": "zhangsan",
            "msg_type": "event",
            "partition": n % 3,
            "effects_state": APPLIED if n % 4 == 0 else PENDING,
        }
        for n in range(12)
    ]
    async with sessions.begin() as session:
        ids = list(
            await session.scalars(
                insert(WeComEvent).returning(WeComEvent.id, sort_by_parameter_order=True), rows
            )
        )
        found = await pending_ids(session, WeComEvent, {0, 2}, 5)
    # In partitions 0 and 2 (n % 3): 0, 2, 3, 5, 6, 8, 9, 11; 0 and 8 are applied (n % 4).
    assert found == [ids[2], ids[3], ids[5], ids[6], ids[9]]
