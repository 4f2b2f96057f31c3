"""The config fuzzed with its own vocabulary: Settings or a SettingsError naming a key, fast."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from hypothesis import given, settings

from bot.config.settings import load_settings
from bot.errors import SettingsError
from tests.toml_strategies import documents

SECTIONS = ["server", "storage", "wechat", "wecom", "keywords", "tagging", "leads", "admin"]
KEYS = [
    "agent_id", "api_base", "app_id", "app_secret", "claim_minutes", "corp_id", "daily_claim_cap",
    "database_url", "dormant_days", "encoding_aes_key", "followup_days", "host", "keywords",
    "max_connections", "mount_fake_api", "name", "phone_score", "port", "qualify_score",
    "read_timeout_s", "redis_url", "require_encryption", "rules", "secret", "shared", "token",
    "wecom", "sales", "previous_encoding_aes_key", "unknown",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(documents(SECTIONS, KEYS, array_tables=True))
def test_configs_of_known_names_load_or_fail_with_a_settings_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "config.toml"
        path.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        try:
            load_settings(path, {})
        except SettingsError as exc:
            assert exc.key
        assert time.perf_counter() - started < 1.0
