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
from dataclasses import dataclass, field
from pathlib import Path

from bot.callbacks.errors import SettingsError
from bot.config.grades import read_grades
from bot.config.secret import Secret
from bot.config.toml_reader import TomlTable
from leads.policy import FollowupTiers, LeadPolicy, SalesRep

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "config.example.toml"
AES_KEY_CHARS = 43
AES_KEY_BYTES = 32
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
class WeComApp:
    """One self-built WeCom app: API credentials and its callback keys."""

    name: str
    corp_id: str
    agent_id: int
    secret: Secret
    token: Secret
    encoding_aes_key: Secret
    api_base: str


@dataclass(frozen=True)
class KeywordSettings:
    # Rules that apply to every account, after each account's own rules.
    shared: Path | None


@dataclass(frozen=True)
class TaggingSettings:
    # The tagging rules file (counters, tiers, touch channels, expiry); None: defaults only.
    rules: Path | None = None


@dataclass(frozen=True)
class JourneySettings:
    # The journeys file (`[journeys] file`, relative to the config file); None: no journeys.
    file: Path | None = None


@dataclass(frozen=True)
class AdminSettings:
    # Bearer token of the admin HTTP API (/admin/api/...); empty: the API is off.
    token: Secret = field(default_factory=lambda: Secret(""))


ADMIN_TOKEN_MIN_CHARS = 16  # a short token can be guessed over the network


@dataclass(frozen=True)
class Settings:
    source: Path
    server: ServerSettings
    storage: StorageSettings
    wechat: tuple[WeChatAccount, ...]
    keywords: KeywordSettings
    wecom: tuple[WeComApp, ...] = ()
    tagging: TaggingSettings = TaggingSettings()
    # None when the config has no [leads] section: no lead alerts, no commands.
    leads: LeadPolicy | None = None
    admin: AdminSettings = AdminSettings()
    journeys: JourneySettings = JourneySettings()

    def wecom_app(self, name: str) -> WeComApp | None:
        return next((app for app in self.wecom if app.name == name), None)

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
    wecom = _wecom_apps(root, env)
    settings = Settings(
        source=source,
        server=_server(root.table("server")),
        storage=_storage(root.table("storage"), env),
        wechat=_accounts(root, source.parent, env),
        keywords=_keywords(root.table("keywords"), source.parent),
        tagging=_tagging(root.table("tagging"), source.parent),
        wecom=wecom,
        leads=_leads(root.table("leads"), wecom) if "leads" in data else None,
        admin=_admin(root.table("admin"), env),
        journeys=_journeys(root.table("journeys"), source.parent),
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
        if len(value) != AES_KEY_CHARS or len(decoded) != AES_KEY_BYTES:
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


def _wecom_apps(root: TomlTable, env: Mapping[str, str]) -> tuple[WeComApp, ...]:
    apps: list[WeComApp] = []
    for table in root.tables("wecom"):
        name = table.text("name")
        if not _NAME.match(name):
            raise table.error("name", "must be 1-32 letters, digits, '-' or '_'")
        if any(app.name == name for app in apps):
            raise table.error("name", f"duplicate WeCom app name {name!r}")
        aes_key = _aes_key(table, "encoding_aes_key", env)
        if not aes_key:
            # WeCom callbacks are always encrypted.
            raise table.error("encoding_aes_key", "is required")
        apps.append(
            WeComApp(
                name=name,
                corp_id=table.text("corp_id"),
                agent_id=table.integer("agent_id", minimum=1),
                secret=_secret(table, "secret", env, None),
                token=_secret(table, "token", env, None),
                encoding_aes_key=aes_key,
                api_base=table.text("api_base", "https://qyapi.weixin.qq.com").rstrip("/"),
            )
        )
        table.finish()
    return tuple(apps)


def _leads(table: TomlTable, wecom: tuple[WeComApp, ...]) -> LeadPolicy:
    app = table.text("wecom")
    if not any(candidate.name == app for candidate in wecom):
        raise table.error("wecom", f"names no configured [[wecom]] app: {app!r}")
    followup = FollowupTiers(
        remind_days=table.integer("followup_days", 3, minimum=1),
        manager_days=table.integer("followup_manager_days", 5, minimum=1),
        pool_days=table.integer("followup_pool_days", 7, minimum=1),
    )
    if not followup.remind_days <= followup.manager_days <= followup.pool_days:
        raise table.error(
            "followup_pool_days",
            "tiers must not decrease: followup_days <= followup_manager_days <= followup_pool_days",
        )
    policy = LeadPolicy(
        wecom=app,
        qualify_score=table.integer("qualify_score", 100, minimum=1),
        phone_score=table.integer("phone_score", 50, minimum=0),
        claim_minutes=table.integer("claim_minutes", 30, minimum=1),
        dormant_days=table.integer("dormant_days", 90, minimum=1),
        followup=followup,
        daily_claim_cap=table.integer("daily_claim_cap", 20, minimum=1),
        sales=_sales(table),
        grades=read_grades(table),
    )
    table.finish()
    return policy


def _sales(leads: TomlTable) -> tuple[SalesRep, ...]:
    reps: list[SalesRep] = []
    for table in leads.tables("sales"):
        userid = table.text("userid")
        if any(rep.userid == userid for rep in reps):
            raise table.error("userid", f"duplicate salesperson {userid!r}")
        max_open = table.integer("max_open", 0, minimum=0)
        reps.append(
            SalesRep(
                userid=userid,
                name=table.text("name", userid),
                tags=table.texts("tags"),
                max_open=max_open or None,
                manager=table.text("manager", "") or None,
            )
        )
        table.finish()
    return tuple(reps)


def _admin(table: TomlTable, env: Mapping[str, str]) -> AdminSettings:
    token = _secret(table, "token", env, "")
    if token and len(token.reveal()) < ADMIN_TOKEN_MIN_CHARS:
        raise table.error("token", f"must be at least {ADMIN_TOKEN_MIN_CHARS} characters")
    table.finish()
    return AdminSettings(token=token)


def _tagging(table: TomlTable, base: Path) -> TaggingSettings:
    rules = table.text("rules", "")
    table.finish()
    if not rules:
        return TaggingSettings()
    path = base / rules
    if not path.is_file():
        raise table.error("rules", f"{path} does not exist")
    return TaggingSettings(rules=path)


def _journeys(table: TomlTable, base: Path) -> JourneySettings:
    name = table.text("file", "")
    table.finish()
    if not name:
        return JourneySettings()
    path = base / name
    if not path.is_file():
        raise table.error("file", f"{path} does not exist")
    return JourneySettings(file=path)
