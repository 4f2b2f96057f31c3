"""Who gets a new lead: tag matches first, then round robin among those with room."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from leads.policy import LeadPolicy, SalesRep


@dataclass(frozen=True)
class TeamLoad:
    """The team's state as assignment sees it (`storage.leads.load`: maintained counts)."""

    # Open leads per salesperson.
    open_counts: Mapping[str, int]
    # A number that grows with each assignment (the timeline's event id) per
    # salesperson; the smallest went longest without a lead.
    last_assigned: Mapping[str, int]


def has_room(rep: SalesRep, load: TeamLoad) -> bool:
    return rep.max_open is None or load.open_counts.get(rep.userid, 0) < rep.max_open


def pick_owner(
    policy: LeadPolicy,
    lead_tags: Collection[str],
    load: TeamLoad,
    exclude: Collection[str] = (),
) -> SalesRep | None:
    """The salesperson for a lead, or None for the pool (nobody has room)."""
    team = policy.team.available()  # those away or gone take no new lead
    # (team order, rep): the order breaks round robin's ties. Built once per pick, as a
    # wave picks once per lead: the lead's tags as one set, each rep's tags tested against it.
    available = [
        (order, rep)
        for order, rep in enumerate(team)
        if rep.userid not in exclude and has_room(rep, load)
    ]
    wanted = set(lead_tags)
    matched = [item for item in available if not wanted.isdisjoint(item[1].tags)]
    candidates = matched or available
    if not candidates:
        return None
    # Round robin without a stored cursor: whoever was assigned longest ago,
    # then team order for people never assigned.
    last = load.last_assigned
    return min(candidates, key=lambda item: (last.get(item[1].userid, 0), item[0]))[1]


def after_assignment(load: TeamLoad, userid: str) -> TeamLoad:
    """The load once `userid` got one more lead: what the next pick of a wave must see.

    The new position is past every stored one, as the timeline entry written for it
    will be, so round robin advances in memory across a batch exactly as it would
    have, lead by lead, through the database.
    """
    position = max(load.last_assigned.values(), default=0) + 1
    return TeamLoad(
        {**load.open_counts, userid: load.open_counts.get(userid, 0) + 1},
        {**load.last_assigned, userid: position},
    )
