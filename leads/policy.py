"""The lead rules ops configure under `[leads]`: thresholds, timers and the team's seed.

Plain frozen data, built by `bot.config.settings` from the TOML file and read by the
rest of the leads package; nothing here knows about TOML or HTTP. The team itself is
`team`, a live `leads.team.Team` the running bot keeps in step with the team table;
`sales` (`[[leads.sales]]`) only seeds that table on the first start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from leads.grades import Grade, rank
from leads.team import Status, Team


@dataclass(frozen=True)
class SalesRep:
    """One salesperson: WeCom userid, display name, preferred lead tags, capacity."""

    userid: str
    name: str
    tags: tuple[str, ...] = ()
    # Open leads this person may hold at once; None means no cap.
    max_open: int | None = None
    # The WeCom userid copied on the second follow-up tier.
    manager: str | None = None
    # Who gets this person's alerts and reminders while they are away.
    deputy: str | None = None
    status: Status = Status.ACTIVE
    # The Asia/Shanghai day an away person is back.
    away_until: date | None = None


@dataclass(frozen=True)
class FollowupTiers:
    """Days without a status change or note before each escalation tier."""

    remind_days: int = 3
    manager_days: int = 5
    pool_days: int = 7


@dataclass(frozen=True)
class LeadPolicy:
    """Everything that decides when a person becomes a lead and who works it."""

    wecom: str
    qualify_score: int = 100
    phone_score: int = 50
    claim_minutes: int = 30
    dormant_days: int = 90
    followup: FollowupTiers = FollowupTiers()
    # Leads one person may take from the pool per day (Asia/Shanghai day).
    daily_claim_cap: int = 20
    # `[[leads.sales]]`: only the seed of the team table; read `team` for the team.
    sales: tuple[SalesRep, ...] = ()
    # Ordered, best first; empty: one bar, `qualify_score` (or a phone).
    grades: tuple[Grade, ...] = ()
    # What a customer sees once moved by a hand-over while its giver is employed
    # (WeCom's `transfer_success_msg`); None: WeCom's own words.
    transfer_message: str | None = None
    # The team now: the seed until a running bot swaps in the table's (`bot.runtime.team`).
    team: Team = field(default_factory=Team, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.team.live:
            self.team.swap(self.sales)
            self.team.live = False

    def grade(self, name: str | None) -> Grade | None:
        return next((grade for grade in self.grades if grade.name == name), None)

    def grade_rank(self, name: str | None) -> int:
        return rank(self.grades, name)

    def claim_minutes_for(self, grade: str | None) -> int:
        found = self.grade(grade)
        return found.claim_minutes if found and found.claim_minutes else self.claim_minutes

    def rep(self, userid: str) -> SalesRep | None:
        """Anyone on the team now, whatever their status (names stay readable)."""
        return self.team.rep(userid)

    def is_manager(self, userid: str) -> bool:
        """Managers named by any salesperson may unlock and reassign leads."""
        return self.team.is_manager(userid)
