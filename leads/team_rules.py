"""What a team change must respect, checked before it is stored (every problem at once).

Pure: the team as it would be, the person changed and today's date in, problems out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from leads.policy import SalesRep
from leads.team import Status


def member_problems(team: Sequence[SalesRep], rep: SalesRep, today: date) -> list[str]:
    """Problems of `rep` within `team` (which holds `rep` as it would be stored)."""
    problems: list[str] = []
    if not rep.userid.strip() or any(ch.isspace() for ch in rep.userid):
        problems.append(f"userid {rep.userid!r} must be one word")
    if not rep.name.strip():
        problems.append("name must not be empty")
    if rep.max_open is not None and rep.max_open < 0:
        problems.append(f"max_open must be 0 or more, got {rep.max_open}")
    problems += _deputy_problems(team, rep)
    if (cycle := manager_cycle(team, rep.userid)) is not None:
        problems.append("managers go round in a circle: " + " → ".join(cycle))
    if rep.status == Status.AWAY and (rep.away_until is None or rep.away_until <= today):
        when = rep.away_until.isoformat() if rep.away_until else "no date"
        problems.append(f"leave must end after today ({today.isoformat()}), got {when}")
    return problems


def _deputy_problems(team: Sequence[SalesRep], rep: SalesRep) -> list[str]:
    if rep.deputy is None:
        return []
    if rep.deputy == rep.userid:
        return [f"{rep.userid} cannot be their own deputy"]
    deputy = next((other for other in team if other.userid == rep.deputy), None)
    if deputy is None:
        return [f"deputy {rep.deputy} is not on the sales team"]
    if deputy.status == Status.AWAY:
        return [f"deputy {rep.deputy} is on leave"]
    if deputy.status == Status.LEFT:
        return [f"deputy {rep.deputy} has left"]
    return []


def manager_cycle(team: Sequence[SalesRep], userid: str) -> list[str] | None:
    """The chain of managers from `userid` back to itself, or None when it ends."""
    managers = {rep.userid: rep.manager for rep in team}
    chain, seen = [userid], {userid}
    current = managers.get(userid)
    while current is not None:
        chain.append(current)
        if current == userid:
            return chain
        if current in seen:
            return None  # a circle further up, not through `userid`: reported for its own
        seen.add(current)
        current = managers.get(current)
    return None
