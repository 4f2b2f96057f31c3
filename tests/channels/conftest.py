"""The bot with a WeCom corp, the sales team and the demo's channels (`channels.toml`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config.settings import Settings
from tests.conftest import ConfigWriter
from tests.leads.conftest import (  # noqa: F401 - fixtures shared with the leads tests
    LEADS_TOML,
    clock,
    fake_state,
    leads_bot,
    wecom,
)

DEMO_CHANNELS = Path(__file__).resolve().parents[2] / "channels.toml"
CHANNELS_TOML = '\n[channels]\nfile = "channels.toml"\n'


@pytest.fixture
def leads_settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    shutil.copyfile(DEMO_CHANNELS, tmp_path / "channels.toml")
    return write_config(extra=LEADS_TOML + CHANNELS_TOML)
