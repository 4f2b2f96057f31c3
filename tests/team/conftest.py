"""The team's tests reuse the leads feature's corp, clock and bot."""

from __future__ import annotations

from tests.leads.conftest import clock, fake_state, leads_bot, leads_settings, wecom

__all__ = ["clock", "fake_state", "leads_bot", "leads_settings", "wecom"]
