"""`wxbot team reconcile` prints the leads whose WeCom customer is not with their owner."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime

from bot.app_keys import SESSIONS
from bot.cli.transfers import run_reconcile
from bot.config.settings import Settings
from storage.lead_models import Lead
from storage.models import Profile
from tests.leads.helpers import LeadsBot


async def _lead(bot: LeadsBot, owner: str, external: str) -> int:
    now = datetime.now(UTC)
    async with bot.client.app[SESSIONS].begin() as session:
        profile = Profile(created_at=now, updated_at=now)
        session.add(profile)
        await session.flush()
        lead = Lead(profile_id=profile.id, state="contacting", owner=owner, active_at=now,
                    external_userid=external, created_at=now)  # fmt: skip
        session.add(lead)
        await session.flush()
        return lead.id


async def test_reconcile_prints_a_customer_deleted_in_wecom(
    leads_bot: LeadsBot, leads_settings: Settings
) -> None:
    kept = await _lead(leads_bot, "zhangsan", "wmKept")
    gone = await _lead(leads_bot, "lisi", "wmGone")
    leads_bot.fake.add_external_contact("wmKept", "甲", followers=["zhangsan"])
    leads_bot.fake.add_external_contact("wmGone", "乙", followers=[])  # deleted by the customer
    out = io.StringIO()
    assert await run_reconcile(leads_settings, argparse.Namespace(), out) == 0
    text = out.getvalue()
    assert "open leads checked: 2" in text
    assert f"lead #{gone}: owner lisi, customer wmGone with nobody on the team (new)" in text
    assert f"lead #{kept}" not in text
    again = io.StringIO()
    await run_reconcile(leads_settings, argparse.Namespace(), again)
    assert f"lead #{gone}: owner lisi, customer wmGone with nobody on the team (known)" in (
        again.getvalue()
    )
    kinds = [kind for kind, _, _ in await leads_bot.events(gone)]
    assert kinds == ["customer_mismatch"]
