"""Settings: strict TOML, errors naming key and file, environment overrides, masked secrets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config.settings import DEMO_CONFIG, load_settings
from bot.errors import SettingsError

MINIMAL = """
[[wechat]]
name = "main"
app_id = "wx1"
app_secret = "s3cret"
token = "tok-value-xyz"
keywords = "k.csv"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_config_loads_and_its_keyword_table_exists() -> None:
    settings = load_settings(None, {})
    assert settings.source == DEMO_CONFIG
    assert settings.wechat[0].keywords.is_file()
    assert settings.storage.redis_url == ""


def test_defaults_apply(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, MINIMAL), {})
    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 8080)
    # Relative to the config file, like the keyword table, not to the working directory.
    assert settings.storage.database_url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/wxbot.db"
    assert settings.wechat[0].keywords == tmp_path / "k.csv"
    assert settings.wechat[0].api_base == "https://api.weixin.qq.com"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        (MINIMAL + "color = 1\n", "wechat[0].color", "unknown key"),
        ("[server]\nport = true\n", "server.port", "must be an integer"),
        ("[server]\nprot = 1\n", "server.prot", "unknown key"),
        ("[storage]\ndatabase_url = 'mysql://x'\n", "storage.database_url", "must start with"),
        ("[storage]\nredis_url = 'http://x'\n", "storage.redis_url", "redis://"),
        (MINIMAL.replace('name = "main"', 'name = "m a i n"'), "wechat[0].name", "letters"),
        (MINIMAL + MINIMAL.replace("[[wechat]]\n", "[[wechat]]\n"), "wechat[1].name", "duplicate"),
        (MINIMAL.replace('app_id = "wx1"\n', ""), "wechat[0].app_id", "is required"),
        (MINIMAL + 'encoding_aes_key = "short"\n', "wechat[0].encoding_aes_key", "43-character"),
        ("server = 3\n", "server", "must be a table"),
        ("[server\n", "file", "not valid TOML"),
    ],
)
def test_errors_name_the_key_and_the_file(tmp_path: Path, text: str, key: str, reason: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SettingsError) as caught:
        load_settings(path, {})
    assert caught.value.key == key
    assert reason in caught.value.reason
    assert str(path) in str(caught.value)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", {})


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    env = {
        "WXBOT_CONFIG": str(_write(tmp_path, MINIMAL)),
        "WXBOT_DATABASE_URL": "postgresql+asyncpg://u@h/db",
        "WXBOT_REDIS_URL": "redis://h:6379/1",
    }
    settings = load_settings(None, env)
    assert settings.storage.database_url == "postgresql+asyncpg://u@h/db"
    assert settings.storage.redis_url == "redis://h:6379/1"


def test_secrets_can_come_from_the_environment_and_never_show(tmp_path: Path) -> None:
    text = MINIMAL.replace('"s3cret"', '"${MAIN_SECRET}"')
    settings = load_settings(_write(tmp_path, text), {"MAIN_SECRET": "from-env"})
    account = settings.wechat[0]
    assert account.app_secret.reveal() == "from-env"
    assert "from-env" not in repr(settings) and "tok-value-xyz" not in repr(account)
    with pytest.raises(SettingsError, match="MAIN_SECRET"):
        load_settings(_write(tmp_path, text), {})


AES = 'encoding_aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"\n'


@pytest.mark.parametrize(
    ("extra", "required"),
    [("", False), (AES, True), (AES + "require_encryption = false\n", False)],
    ids=["no-key", "key-defaults-to-required", "key-opted-out"],
)
def test_require_encryption_defaults_to_true_when_a_key_is_set(
    tmp_path: Path, extra: str, required: bool
) -> None:
    settings = load_settings(_write(tmp_path, MINIMAL + extra), {})
    assert settings.wechat[0].require_encryption is required


def test_require_encryption_without_a_key_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=re.escape("wechat[0].require_encryption: needs an")):
        load_settings(_write(tmp_path, MINIMAL + "require_encryption = true\n"), {})


def test_the_demo_opts_out_so_plaintext_simulate_works() -> None:
    assert load_settings(None, {}).wechat[0].require_encryption is False


def test_server_limits_have_defaults_and_are_settings(tmp_path: Path) -> None:
    assert (load_settings(_write(tmp_path, MINIMAL), {}).server.read_timeout_s) == 10.0
    text = "[server]\nread_timeout_s = 2.5\nmax_connections = 50\n" + MINIMAL
    server = load_settings(_write(tmp_path, text), {}).server
    assert (server.read_timeout_s, server.max_connections) == (2.5, 50)
    with pytest.raises(SettingsError, match=re.escape("server.read_timeout_s")):
        load_settings(_write(tmp_path, "[server]\nread_timeout_s = 0\n" + MINIMAL), {})


LEADS = """
[[wecom]]
name = "sales"
corp_id = "ww1"
agent_id = 1000002
secret = "s3cret"
token = "tok-value-xyz"
encoding_aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

[leads]
wecom = "sales"
"""


@pytest.mark.parametrize("length", [1, 199, 200, 201, 500])
def test_the_customers_transfer_message_is_at_most_200_characters(
    tmp_path: Path, length: int
) -> None:
    """WeCom's `transfer_success_msg` takes at most 200 characters: a longer one is the
    config's error naming its key, not a refused call the day of a hand-over."""
    message = "您" * length
    path = _write(tmp_path, LEADS + f'transfer_message = "{message}"\n')
    if length <= 200:
        settings = load_settings(path, {})
        assert settings.leads is not None
        assert settings.leads.transfer_message == message
        return
    with pytest.raises(SettingsError) as caught:
        load_settings(path, {})
    assert caught.value.key == "leads.transfer_message"
    assert caught.value.reason == f"must be at most 200 characters, got {length}"


def test_no_transfer_message_leaves_wecom_its_own_words(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, LEADS), {})
    assert settings.leads is not None and settings.leads.transfer_message is None
