"""Customers follow their leads in WeCom: batches, the 24 h takeover, failures, limits."""

from __future__ import annotations

from fakewechat import limits as L
from tests.team.transfer_world import TransferWorld

SEND, POLL = (
    "/cgi-bin/externalcontact/transfer_customer",
    "/cgi-bin/externalcontact/transfer_result",
)
DAY_S = 24 * 3600


async def test_250_customers_go_in_100_customer_calls_and_end_done_after_24_hours(
    world: TransferWorld,
) -> None:
    leads = await world.leads_with_customers("zhangsan", 250)
    await world.hand_over(1, "zhangsan", [(lead, "lisi", ext) for lead, ext in leads])
    await world.run_due()
    sizes = [len(call.body["external_userid"]) for call in world.fake.calls_to(SEND) if call.body]
    assert sizes == [100, 100, 50]
    assert await world.states(1) == {"waiting": 250}
    # Polls before the 24 h see everyone waiting; one past them sees everyone moved.
    world.clock.advance(DAY_S - 60)
    await world.run_due()
    assert await world.states(1) == {"waiting": 250}
    for _ in range(3):
        world.clock.advance(6 * 3600)
        await world.run_due()
    assert await world.states(1) == {"done": 250}
    assert all(list(c.followers) == ["lisi"] for c in world.fake.external_contacts.values())
    kinds = [kind for kind, _ in await world.events(leads[0][0])]
    assert kinds == ["customer_transferred"]
    assert world.texts_to("boss") == []
    polls = [job.status for job in await world.jobs("transfer.poll")]
    assert polls and set(polls) == {"done"}


async def test_the_takeover_is_not_done_a_minute_before_24_hours(world: TransferWorld) -> None:
    [(lead, ext)] = await world.leads_with_customers("zhangsan", 1)
    await world.hand_over(1, "zhangsan", [(lead, "lisi", ext)])
    await world.run_due()
    world.clock.advance(DAY_S - 60)
    await world.run_due()
    assert await world.states(1) == {"waiting": 1}
    assert list(world.fake.external_contacts[ext].followers) == ["zhangsan"]
    world.clock.advance(6 * 3600)
    await world.run_due()
    assert await world.states(1) == {"done": 1}


async def test_a_refused_transfer_ends_refused_with_an_entry_and_a_notice(
    world: TransferWorld,
) -> None:
    [(lead, ext), (other, other_ext)] = await world.leads_with_customers("zhangsan", 2)
    await world.hand_over(7, "zhangsan", [(lead, "lisi", ext), (other, "lisi", other_ext)])
    await world.run_due()
    world.fake.transfer_book.refuse(ext)
    world.clock.advance(DAY_S + 600)
    for _ in range(4):
        world.clock.advance(6 * 3600)
        await world.run_due()
    views = {v.external_userid: v for v in await world.transfers(7)}
    assert views[ext].state == "refused" and views[ext].split
    assert views[other_ext].state == "done"
    assert [kind for kind, _ in await world.events(lead)] == ["customer_transfer_failed"]
    [notice] = world.texts_to("boss")
    assert f"线索 #{lead}" in notice and "客户拒绝了转接" in notice
    assert list(world.fake.external_contacts[ext].followers) == ["zhangsan"]


async def test_a_receiver_at_its_limit_ends_receiver_full(world: TransferWorld) -> None:
    [(lead, ext)] = await world.leads_with_customers("zhangsan", 1)
    await world.leads_with_customers("wangwu", 2)
    world.fake.transfer_book.receiver_limits["wangwu"] = 2
    await world.hand_over(3, "zhangsan", [(lead, "wangwu", ext)])
    await world.run_due()
    world.clock.advance(DAY_S + 3600)
    await world.run_due()
    world.clock.advance(DAY_S)
    await world.run_due()
    [view] = await world.transfers(3)
    assert view.state == "receiver_full"
    [notice] = world.texts_to("boss")
    assert "接替成员的客户数已达上限" in notice
    assert await world.jobs("transfer.poll") and all(
        job.status == "done" for job in await world.jobs("transfer.poll")
    )


async def test_the_per_customer_limit_is_never_retried(world: TransferWorld) -> None:
    [(lead, ext)] = await world.leads_with_customers("zhangsan", 1)
    for handover_id, (giver, taker) in enumerate([("zhangsan", "lisi"), ("lisi", "wangwu")], 1):
        await world.hand_over(handover_id, giver, [(lead, taker, ext)])
        await world.run_due()
        world.clock.advance(DAY_S + 3600)
        await world.run_due()
        assert await world.states(handover_id) == {"done": 1}
    await world.hand_over(3, "wangwu", [(lead, "zhangsan", ext)])
    await world.run_due()
    [view] = await world.transfers(3)
    assert (view.state, view.errcode) == ("limit_reached", L.TRANSFER_TOO_OFTEN)
    calls = len(world.fake.calls_to(SEND))
    world.clock.advance(3 * DAY_S)
    await world.run_due()
    assert len(world.fake.calls_to(SEND)) == calls
    assert (await world.transfers(3))[0].state == "limit_reached"
    # No manager named for the receiver: the receiver is told.
    [notice] = world.texts_to("zhangsan")
    assert "该客户90天内已被转接两次" in notice


async def test_a_lead_without_a_customer_queues_nothing(world: TransferWorld) -> None:
    [(lead, _)] = await world.leads_with_customers("zhangsan", 1)
    await world.hand_over(1, "zhangsan", [(lead, "lisi", None)])
    assert await world.run_due() == 0
    assert await world.transfers(1) == []


async def test_a_member_who_left_goes_through_the_unassigned_list(world: TransferWorld) -> None:
    leads = await world.leads_with_customers("zhangsan", 3)
    gone = leads[2][1]
    del world.fake.external_contacts[gone].followers["zhangsan"]  # deleted before leaving
    world.fake.transfer_book.resign("zhangsan")
    await world.hand_over(
        5, "zhangsan", [(lead, "lisi", ext) for lead, ext in leads], employed=False
    )
    await world.run_due()
    assert world.fake.calls_to("/cgi-bin/externalcontact/get_unassigned_list")
    [call] = world.fake.calls_to("/cgi-bin/externalcontact/resigned/transfer_customer")
    assert call.body is not None and gone not in call.body["external_userid"]
    assert await world.states(5) == {"waiting": 2, "no_record": 1}
    world.clock.advance(DAY_S + 3600)
    await world.run_due()
    world.clock.advance(DAY_S)
    await world.run_due()
    assert await world.states(5) == {"done": 2, "no_record": 1}
