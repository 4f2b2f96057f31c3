"""One typo in a config is one error, naming the typo and the key it was meant to be.

The cases are generated from the settings reader itself: a config that sets every key
the reader asks for (checked below, so a new key must join it), then for each key and
each section, the same config with that one name misspelt.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.config.settings import read_settings
from filecheck.toml_table import toml_root

ROOT = Path(__file__).resolve().parents[3]
AES = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
FULL = f"""
[server]
host = "127.0.0.1"
port = 8080
mount_fake_api = true
read_timeout_s = 10.0
max_connections = 100

[storage]
database_url = "sqlite+aiosqlite:///wxbot.db"
redis_url = "redis://127.0.0.1:6379/0"

[[wechat]]
name = "main"
app_id = "wx0123456789abcdef"
app_secret = "an-app-secret"
token = "a-token"
encoding_aes_key = "{AES}"
previous_encoding_aes_key = "{AES}"
require_encryption = true
api_base = "https://api.weixin.qq.com"
keywords = "keywords/demo.csv"

[keywords]
shared = "keywords/demo.csv"

[[wecom]]
name = "sales"
corp_id = "ww0123456789"
agent_id = 1000002
secret = "a-corp-secret"
token = "a-wecom-token"
encoding_aes_key = "{AES}"
api_base = "https://qyapi.weixin.qq.com"

[leads]
wecom = "sales"
qualify_score = 100
phone_score = 50
claim_minutes = 30
dormant_days = 90
followup_days = 2
followup_manager_days = 4
followup_pool_days = 6
daily_claim_cap = 20
transfer_message = "您好，您的专属顾问已更换。"

[[leads.sales]]
userid = "zhangsan"
name = "张三"
tags = ["上海"]
max_open = 50
manager = "wangjingli"

[[leads.grades]]
name = "A"
urgency = "urgent"
claim_minutes = 10
push = true
journey = "lead_nurture"
  [[leads.grades.when]]
  min_score = 150
  any_tags = ["试驾意向"]
  all_tags = ["留资"]
  channels = ["spring_expo"]
  channel_groups = ["线下活动"]
  phone = true
  messages = 3
  messages_days = 7
  clicks = 2
  clicks_days = 7

[[leads.grades]]
name = "B"
min_score = 100
any_tags = ["询价"]
all_tags = ["留资"]
channels = ["spring_expo"]
channel_groups = ["线下活动"]
phone = true
messages = 3
messages_days = 7
clicks = 2
clicks_days = 7

[tagging]
rules = "tagging.example.toml"

[journeys]
file = "journeys.toml"

[channels]
file = "channels.toml"

[admin]
token = "a-long-admin-token-0123"
session_key = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE="
session_minutes = 480
lockout_failures = 5
lockout_minutes = 15
secure_cookie = true
seed_ops_password = "a-demo-password"
"""

Data = dict[str, object]


def problems_of(data: Data) -> list[str]:
    root = toml_root(data, "config.toml")
    read_settings(root, {}, ROOT / "config.toml", ROOT)
    return [f"{p.column}: {p.message}" for p in root.problems()]


def schema() -> set[tuple[str, str]]:
    root = toml_root(tomllib.loads(FULL), "config.toml")
    read_settings(root, {}, ROOT / "config.toml", ROOT)
    return root.keys_read()


def tables_at(data: Data, path: str) -> list[tuple[str, Data]]:
    """Every table at a dotted path (`leads.grades.when`), with its label (`leads.grades[1]`)."""
    found: list[tuple[str, Data]] = [("", data)]
    for part in path.split(".") if path else []:
        deeper: list[tuple[str, Data]] = []
        for name, table in found:
            value = table.get(part, {})
            prefix = f"{name}.{part}" if name else part
            if isinstance(value, list):
                deeper.extend((f"{prefix}[{i}]", item) for i, item in enumerate(value))
            else:
                assert isinstance(value, dict)
                deeper.append((prefix, value))
        found = deeper
    return found


def holder(data: Data, path: str, key: str) -> tuple[str, Data]:
    """The first table at `path` that sets `key`, and its label."""
    return next((name, t) for name, t in tables_at(data, path) if key in t)


def typo(key: str) -> str:
    """The name with its last two letters swapped (`prot` for `port`)."""
    return key[:-2] + key[-1] + key[-2]


CASES = sorted(schema())


def test_the_full_config_is_complete_and_clean() -> None:
    data = tomllib.loads(FULL)
    assert problems_of(data) == []
    for path, key in CASES:
        assert any(key in table for _, table in tables_at(data, path)), (
            f"FULL lacks {path}.{key}: add it so that its typo is tested"
        )


@pytest.mark.parametrize(("path", "key"), CASES, ids=[f"{p}.{k}".lstrip(".") for p, k in CASES])
def test_one_typo_is_one_error_with_a_suggestion(path: str, key: str) -> None:
    data = tomllib.loads(FULL)
    name, table = holder(data, path, key)
    misspelt = typo(key)
    table[misspelt] = table.pop(key)
    section = not path and isinstance(table[misspelt], dict | list)
    unknown = f"unknown section `{misspelt}`" if section else "unknown key"
    where = f"{name}.{misspelt}" if name else misspelt
    assert problems_of(data) == [f"{where}: {unknown} (did you mean `{key}`?)"]


def test_the_misspelt_names_differ_and_every_section_is_covered() -> None:
    assert all(typo(key) != key for _, key in CASES)
    sections = {key for path, key in CASES if not path}
    assert sections == set(tomllib.loads(FULL))


def test_the_examples_of_issue_22() -> None:
    """`prot` in [server] used to add a false seed_ops_password error; `app_secert`
    and `tokn` in [[wechat]] used to be only "app_secret is required"."""
    data = tomllib.loads(FULL)
    for path, key, misspelt in (
        ("server", "port", "prot"),
        ("wechat", "app_secret", "app_secert"),
        ("wechat", "token", "tokn"),
    ):
        _, table = holder(data, path, key)
        table[misspelt] = table.pop(key)
    assert problems_of(data) == [
        "server.prot: unknown key (did you mean `port`?)",
        "wechat[0].app_secert: unknown key (did you mean `app_secret`?)",
        "wechat[0].tokn: unknown key (did you mean `token`?)",
    ]
