"""The lead rules ops configure under `[leads]`: thresholds, timers and the sales team.

Plain frozen data, built by `bot.config.settings` from the TOML file and read by the
rest of the leads package; nothing here knows about TOML or HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass


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
    sales: tuple[SalesRep, ...] = ()

    def rep(self, userid: str) -> SalesRep | None:
        return next((rep for rep in self.sales if rep.userid == userid), None)

    def is_manager(self, userid: str) -> bool:
        """Managers named by any salesperson may unlock and reassign leads."""
        return any(rep.manager == userid for rep in self.sales)
