"""What a team change must respect, checked before it is stored (every problem at once).

Pure: the team as it would be, the person changed and today's date in, problems out,
each a `Wording` (the CLI prints it in English, the admin site in the reader's language).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from filecheck.wording import N_, Wording
from leads.policy import SalesRep
from leads.team import Status


def member_problems(team: Sequence[SalesRep], rep: SalesRep, today: date) -> list[Wording]:
    """Problems of `rep` within `team` (which holds `rep` as it would be stored)."""
    problems: list[Wording] = []
    if not rep.userid.strip() or any(ch.isspace() for ch in rep.userid):
        problems.append(Wording(N_("userid %(userid)s must be one word"), {"userid": rep.userid}))
    if not rep.name.strip():
        problems.append(Wording(N_("the name must not be empty")))
    if rep.max_open is not None and rep.max_open < 0:
        problems.append(
            Wording(N_("max_open must be 0 or more, got %(got)s"), {"got": rep.max_open})
        )
    problems += _deputy_problems(team, rep)
    if (cycle := manager_cycle(team, rep.userid)) is not None:
        problems.append(
            Wording(N_("managers go round in a circle: %(chain)s"), {"chain": " → ".join(cycle)})
        )
    if rep.status == Status.AWAY and (rep.away_until is None or rep.away_until <= today):
        when = rep.away_until.isoformat() if rep.away_until else "-"
        problems.append(
            Wording(
                N_("leave must end after today (%(today)s), got %(got)s"),
                {"today": today.isoformat(), "got": when},
            )
        )
    return problems


def _deputy_problems(team: Sequence[SalesRep], rep: SalesRep) -> list[Wording]:
    if rep.deputy is None:
        return []
    who = {"userid": rep.userid, "deputy": rep.deputy}
    if rep.deputy == rep.userid:
        return [Wording(N_("%(userid)s cannot be their own deputy"), who)]
    deputy = next((other for other in team if other.userid == rep.deputy), None)
    if deputy is None:
        return [Wording(N_("deputy %(deputy)s is not on the sales team"), who)]
    if deputy.status == Status.AWAY:
        return [Wording(N_("deputy %(deputy)s is on leave"), who)]
    if deputy.status == Status.LEFT:
        return [Wording(N_("deputy %(deputy)s has left"), who)]
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
