"""Daily reconciliation: leads whose WeCom customer left their owner are found and reported."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from bot.cli.transfers import render_report
from bot.runtime.reconcile import CustomerReconciler
from leads.reconcile import Drift, Reconciliation, find_drifts
from leads.transfer_upkeep import TransferUpkeep, Upkeep
from storage.cache import MemoryCache
from storage.models import OutboxJob
from tests.team.transfer_world import APP, MANAGERS, TransferWorld
from wxapi.transfers import TransferApi

BY_USER = "/cgi-bin/externalcontact/batch/get_by_user"


def reconciler(
    world: TransferWorld, team: tuple[str, ...] = ("zhangsan", "lisi")
) -> CustomerReconciler:
    return CustomerReconciler(
        world.sessions,
        TransferApi(world.client),
        Reconciliation(APP, MANAGERS.get, world.now),
        TransferUpkeep(APP, world.outcomes, world.now),
        lambda: team,
        cache=MemoryCache(),
        clock=world.now,
    )


async def test_deleted_and_moved_customers_are_found_once_and_reported(
    world: TransferWorld,
) -> None:
    kept, deleted, moved = await world.leads_with_customers("lisi", 3)
    del world.fake.external_contacts[deleted[1]].followers["lisi"]  # deleted in WeCom
    contact = world.fake.external_contacts[moved[1]]
    contact.followers["zhangsan"] = contact.followers.pop("lisi")  # moved in the console
    report = await reconciler(world).run_once()
    assert report.checked == 3
    assert {(d.lead_id, d.now_with) for d in report.drifts} == {
        (deleted[0], None),
        (moved[0], "zhangsan"),
    }
    assert [kind for kind, _ in await world.events(kept[0])] == []
    assert await world.events(deleted[0]) == [
        ("customer_mismatch", f"{deleted[1]} not with anyone on the team")
    ]
    await world.run_due()
    [notice] = world.texts_to("boss")  # lisi's manager, one notice for both
    assert f"线索 #{deleted[0]}" in notice and f"线索 #{moved[0]}" in notice
    again = await reconciler(world).run_once()
    assert len(again.drifts) == 2 and again.recorded == ()
    assert len(await world.events(deleted[0])) == 1
    text = render_report(again)
    assert f"lead #{moved[0]}: owner lisi, customer {moved[1]} now with zhangsan (known)" in text


async def test_a_customer_still_being_transferred_is_not_a_mismatch(world: TransferWorld) -> None:
    [(lead, ext)] = await world.leads_with_customers("zhangsan", 1)
    await world.hand_over(1, "zhangsan", [(lead, "lisi", ext)])
    await world.run_due()
    report = await reconciler(world).run_once()
    assert [d.lead_id for d in report.drifts] == [lead]  # lisi has no customer yet
    assert report.recorded == ()
    assert await world.events(lead) == []


async def test_an_unknown_member_falls_back_to_one_list_per_member(world: TransferWorld) -> None:
    await world.leads_with_customers("zhangsan", 2)
    report = await reconciler(world, team=("zhangsan", "lisi", "ghost")).run_once()
    assert report.unlisted == ("ghost",)
    assert report.members == ("lisi", "zhangsan")
    assert report.drifts == ()
    assert world.fake.calls_to("/cgi-bin/externalcontact/list")


async def test_the_daily_round_runs_once_a_day(world: TransferWorld) -> None:
    await world.leads_with_customers("zhangsan", 1)
    daily = reconciler(world)
    for _ in range(3):
        await daily._round()
    assert len(world.fake.calls_to(BY_USER)) == 1
    world.clock.advance(24 * 3600)
    await daily._round()
    # The next day's run (its token expired overnight: one call, refreshed, one again).
    assert len({call.at for call in world.fake.calls_to(BY_USER)}) == 2


def test_find_drifts_is_by_owner() -> None:
    leads = [(1, "a", "x"), (2, "b", "y"), (3, "c", "z")]
    customers = {"a": {"x"}, "b": set(), "c": set(), "d": {"y"}}
    assert find_drifts(leads, customers) == [Drift(2, "b", "y", "d"), Drift(3, "c", "z", None)]


@given(
    st.lists(
        st.tuples(st.sampled_from("abc"), st.sampled_from(["x", "y", "z", "w"])),
        max_size=12,
        unique_by=lambda lead: lead[1],
    ),
    st.dictionaries(st.sampled_from("abcd"), st.frozensets(st.sampled_from("xyzw"), max_size=4)),
)
def test_find_drifts_matches_a_naive_reading(
    leads: list[tuple[str, str]], customers: dict[str, frozenset[str]]
) -> None:
    numbered = [(i, owner, ext) for i, (owner, ext) in enumerate(leads)]
    expected = []
    for lead_id, owner, ext in numbered:
        if ext in customers.get(owner, frozenset()):
            continue
        holders = sorted(user for user, exts in customers.items() if ext in exts)
        # Several holders: the last in name order wins (any one of them is a right answer).
        expected.append(Drift(lead_id, owner, ext, holders[-1] if holders else None))
    assert find_drifts(numbered, customers) == expected


async def _give_up(world: TransferWorld, kind: str) -> None:
    """The outbox gave up on every job of `kind` (WeCom unreachable for hours)."""
    async with world.sessions.begin() as session:
        await session.execute(
            update(OutboxJob).where(OutboxJob.kind == kind).values(status="failed")
        )


async def test_a_dropped_transfer_call_ends_failed_and_is_reported(world: TransferWorld) -> None:
    [(lead, ext)] = await world.leads_with_customers("zhangsan", 1)
    await world.hand_over(2, "zhangsan", [(lead, "lisi", ext)])
    await _give_up(world, "transfer.send")
    world.clock.advance(5 * 3600)
    assert (await reconciler(world).run_once()).upkeep == Upkeep(0, 0)
    world.clock.advance(2 * 3600)
    report = await reconciler(world).run_once()
    assert report.upkeep == Upkeep(1, 0)
    [view] = await world.transfers(2)
    assert view.state == "failed"
    assert [kind for kind, _ in await world.events(lead)] == ["customer_transfer_failed"]
    await world.run_due()
    [notice] = world.texts_to("boss")
    assert "企业微信拒绝了转接" in notice
    assert "1 dropped call(s) ended as failed" in render_report(report)


async def test_a_lost_poll_chain_is_started_again(world: TransferWorld) -> None:
    [(lead, ext)] = await world.leads_with_customers("zhangsan", 1)
    await world.hand_over(2, "zhangsan", [(lead, "lisi", ext)])
    await world.run_due()
    await _give_up(world, "transfer.poll")
    world.clock.advance(31 * 3600)
    await world.run_due()
    assert await world.states(2) == {"waiting": 1}
    report = await reconciler(world).run_once()
    assert report.upkeep == Upkeep(0, 1)
    assert (await reconciler(world).run_once()).upkeep == Upkeep(0, 0)  # once a day
    await world.run_due()
    assert await world.states(2) == {"done": 1}
