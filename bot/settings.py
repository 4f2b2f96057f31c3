"""wxbot's settings: one frozen object, read once at start from TOML and the environment.

Environment variables override the file (`WXBOT_DATABASE_URL`, `WXBOT_REDIS_URL`),
and any secret may be given as `"${VAR}"` so it lives in the environment only.
"""

from __future__ import annotations

import base64
import binascii
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.errors import SettingsError
from bot.secret import Secret
from bot.toml_reader import TomlTable

DEMO_CONFIG = Path(__file__).resolve().parent.parent / "config.example.toml"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_ENV_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    # Serves the fake WeChat/WeCom API under /_fake so the demo runs with no account.
    mount_fake_api: bool


@dataclass(frozen=True)
class StorageSettings:
    database_url: str
    redis_url: str


@dataclass(frozen=True)
class WeChatAccount:
    """One official account: credentials, callback keys and its keyword table."""

    name: str
    app_id: str
    app_secret: Secret
    token: Secret
    encoding_aes_key: Secret
    previous_encoding_aes_key: Secret
    api_base: str
    keywords: Path


@dataclass(frozen=True)
class KeywordSettings:
    # Rules that apply to every account, after each account's own rules.
    shared: Path | None


@dataclass(frozen=True)
class Settings:
    source: Path
    server: ServerSettings
    storage: StorageSettings
    wechat: tuple[WeChatAccount, ...]
    keywords: KeywordSettings

    def account(self, name: str) -> WeChatAccount | None:
        return next((account for account in self.wechat if account.name == name), None)


def load_settings(path: Path | None, env: Mapping[str, str]) -> Settings:
    """Read `path` (or `WXBOT_CONFIG`, or the demo config) and apply `env` overrides."""
    source = path or (Path(env["WXBOT_CONFIG"]) if env.get("WXBOT_CONFIG") else DEMO_CONFIG)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(source, "file", "does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(source, "file", f"is not valid TOML: {exc}") from None
    root = TomlTable(data, "", source)
    settings = Settings(
        source=source,
        server=_server(root.table("server")),
        storage=_storage(root.table("storage"), env),
        wechat=_accounts(root, source.parent, env),
        keywords=_keywords(root.table("keywords"), source.parent),
    )
    root.finish()
    return settings


def _server(table: TomlTable) -> ServerSettings:
    server = ServerSettings(
        host=table.text("host", "127.0.0.1"),
        port=table.integer("port", 8080, minimum=0),
        mount_fake_api=table.flag("mount_fake_api", False),
    )
    table.finish()
    return server


def _storage(table: TomlTable, env: Mapping[str, str]) -> StorageSettings:
    database_url = env.get("WXBOT_DATABASE_URL") or table.text(
        "database_url", "sqlite+aiosqlite:///wxbot.db"
    )
    redis_url = env.get("WXBOT_REDIS_URL", table.text("redis_url", ""))
    if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise table.error(
            "database_url", "must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
        )
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise table.error("redis_url", "must be empty or a redis:// URL")
    table.finish()
    return StorageSettings(database_url=database_url, redis_url=redis_url)


def _secret(table: TomlTable, key: str, env: Mapping[str, str], default: str | None) -> Secret:
    raw = table.text(key, default)
    reference = _ENV_REFERENCE.match(raw)
    if reference is None:
        return Secret(raw)
    variable = reference.group(1)
    if variable not in env:
        raise table.error(key, f"names environment variable {variable}, which is not set")
    return Secret(env[variable])


def _aes_key(table: TomlTable, key: str, env: Mapping[str, str]) -> Secret:
    secret = _secret(table, key, env, "")
    value = secret.reveal()
    if value:
        try:
            decoded = base64.b64decode(value + "=", validate=True)
        except binascii.Error:
            decoded = b""
        if len(value) != 43 or len(decoded) != 32:
            raise table.error(key, "must be the 43-character EncodingAESKey from the console")
    return secret


def _accounts(root: TomlTable, base: Path, env: Mapping[str, str]) -> tuple[WeChatAccount, ...]:
    accounts: list[WeChatAccount] = []
    for table in root.tables("wechat"):
        name = table.text("name")
        if not _NAME.match(name):
            raise table.error("name", "must be 1-32 letters, digits, '-' or '_'")
        if any(account.name == name for account in accounts):
            raise table.error("name", f"duplicate account name {name!r}")
        accounts.append(
            WeChatAccount(
                name=name,
                app_id=table.text("app_id"),
                app_secret=_secret(table, "app_secret", env, None),
                token=_secret(table, "token", env, None),
                encoding_aes_key=_aes_key(table, "encoding_aes_key", env),
                previous_encoding_aes_key=_aes_key(table, "previous_encoding_aes_key", env),
                api_base=table.text("api_base", "https://api.weixin.qq.com").rstrip("/"),
                keywords=base / table.text("keywords"),
            )
        )
        table.finish()
    return tuple(accounts)


def _keywords(table: TomlTable, base: Path) -> KeywordSettings:
    shared = table.text("shared", "")
    table.finish()
    return KeywordSettings(shared=base / shared if shared else None)
