"""Exactly once across a worker that dies between WeCom's answer and its record."""

from __future__ import annotations

from bot.effects.limits import OUTBOX_LEASE_S
from storage.outbox import Outbox
from tests.team.transfer_world import TransferWorld

SEND = "/cgi-bin/externalcontact/transfer_customer"


async def test_a_send_rerun_after_a_crash_moves_each_customer_once(world: TransferWorld) -> None:
    leads = await world.leads_with_customers("zhangsan", 120)
    await world.hand_over(1, "zhangsan", [(lead, "lisi", ext) for lead, ext in leads])
    # A worker claims both calls, makes them, and dies before recording anything.
    outbox = Outbox(world.sessions, world.now)
    claimed = await outbox.claim(10, OUTBOX_LEASE_S)
    assert [job.kind for job in claimed] == ["transfer.send", "transfer.send"]
    for job in claimed:
        await world.executors[job.kind](job.target, job.payload)
    assert len(world.fake.transfer_book.transfers) == 120
    assert await world.states(1) == {"queued": 120}
    # Its leases run out; another worker takes the jobs over and calls WeCom again.
    world.clock.advance(OUTBOX_LEASE_S + 1)
    await world.run_due()
    assert len(world.fake.calls_to(SEND)) == 4
    assert len(world.fake.transfer_book.transfers) == 120  # 40129: already in transfer
    assert await world.states(1) == {"waiting": 120}
    world.clock.advance(24 * 3600 + 60)
    for _ in range(4):
        world.clock.advance(6 * 3600)
        await world.run_due()
    assert await world.states(1) == {"done": 120}
    events = [await world.events(lead) for lead, _ in leads[:5]]
    assert all(kinds == [("customer_transferred", kinds[0][1])] for kinds in events)
