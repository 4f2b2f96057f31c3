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
from functools import partial
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config.grades import read_grades
from bot.config.secret import Secret
from bot.config.toml_reader import ErrorCollector, TomlTable
from bot.errors import SettingsError
from leads.policy import FollowupTiers, LeadPolicy, SalesRep

# An installed wheel carries the demo (config, tagging rules, keyword table) in
# bot/demo/, laid out as at the repository root; a source checkout reads the root's.
PACKAGED_DEMO_CONFIG = Path(__file__).resolve().parents[1] / "demo" / "config.example.toml"
CHECKOUT_DEMO_CONFIG = Path(__file__).resolve().parents[2] / "config.example.toml"
DEMO_CONFIG = PACKAGED_DEMO_CONFIG if PACKAGED_DEMO_CONFIG.is_file() else CHECKOUT_DEMO_CONFIG
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
    # A request not fully received (headers and body) this long after its first byte
    # is dropped: slow clients must not hold connections for ever.
    read_timeout_s: float = 10.0
    # Connections beyond this are answered 503 and closed at once.
    max_connections: int = 1000


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
    # Refuse plaintext callbacks (safe mode only; compatible mode still works). Defaults
    # to true when an encoding_aes_key is set: plaintext's signature does not cover the body.
    require_encryption: bool = False


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
class ChannelSettings:
    # The channels file (`[channels] file`, relative to the config file): what the bot uses
    # until a table is published with `wxbot channels publish`. None: no channels yet.
    file: Path | None = None


@dataclass(frozen=True)
class AdminSettings:
    # Bearer token of the admin HTTP API (/admin/api/...); empty: the API is off.
    token: Secret = field(default_factory=lambda: Secret(""))
    # The admin site's cookie key (Fernet: 32 bytes, urlsafe base64); empty: the site is
    # off, except in the demo (mount_fake_api), which derives one from its own config.
    session_key: Secret = field(default_factory=lambda: Secret(""))
    session_minutes: int = 480
    # This many failed sign-ins in a row lock the account for `lockout_minutes`.
    lockout_failures: int = 5
    lockout_minutes: int = 15
    # The session cookie only over HTTPS: on behind TLS (deploy/nginx), off for plain
    # http (the demo on 127.0.0.1), where a browser would never send it back.
    secure_cookie: bool = False
    # Demo only: creates user `ops` (role ops) with this password when no admin user exists.
    seed_ops_password: Secret = field(default_factory=lambda: Secret(""))


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
    channels: ChannelSettings = ChannelSettings()

    def wecom_app(self, name: str) -> WeComApp | None:
        return next((app for app in self.wecom if app.name == name), None)

    def account(self, name: str) -> WeChatAccount | None:
        return next((account for account in self.wechat if account.name == name), None)


def load_settings(path: Path | None, env: Mapping[str, str], cwd: Path | None = None) -> Settings:
    """Read `path` (or `WXBOT_CONFIG`, or the demo config) and apply `env` overrides.

    Every problem of the file is reported at once (`SettingsErrors`). Relative paths
    (keyword tables, tagging rules, a SQLite database) are relative to the config
    file, except that the demo installed with the package keeps its database in
    `cwd` (default: the working directory) rather than inside site-packages.
    """
    source = path or (Path(env["WXBOT_CONFIG"]) if env.get("WXBOT_CONFIG") else DEMO_CONFIG)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(source, "file", "does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(source, "file", f"is not valid TOML: {exc}") from None
    root = TomlTable(data, "", source)
    base = source.parent
    database_base = (cwd or Path.cwd()) if source == PACKAGED_DEMO_CONFIG else base
    errors = ErrorCollector()
    no_apps: tuple[WeComApp, ...] = ()
    no_accounts: tuple[WeChatAccount, ...] = ()
    wecom = errors.attempt(lambda: _wecom_apps(root, env, errors), no_apps)
    server = errors.attempt(lambda: _server(root.table("server")), _NO_SERVER)
    storage = errors.attempt(
        lambda: _storage(root.table("storage"), env, database_base.resolve()), _NO_STORAGE
    )
    wechat = errors.attempt(lambda: _accounts(root, base, env, errors), no_accounts)
    keywords = errors.attempt(
        lambda: _keywords(root.table("keywords"), base), KeywordSettings(None)
    )
    tagging = errors.attempt(lambda: _tagging(root.table("tagging"), base), TaggingSettings())
    # Read even when absent, so a typo such as `[lead]` is told "did you mean `leads`?".
    leads_table = errors.attempt(lambda: root.table("leads"), None)
    leads = (
        errors.attempt(lambda: _leads(leads_table, wecom, errors), None)
        if "leads" in data and leads_table is not None
        else None
    )
    admin = errors.attempt(
        lambda: _admin(root.table("admin"), env, demo=server.mount_fake_api), AdminSettings()
    )
    journeys = errors.attempt(lambda: _journeys(root.table("journeys"), base), JourneySettings())
    channels = errors.attempt(lambda: _channels(root.table("channels"), base), ChannelSettings())
    errors.attempt(root.finish, None)
    errors.raise_any()
    return Settings(
        source=source,
        server=server,
        storage=storage,
        wechat=wechat,
        keywords=keywords,
        tagging=tagging,
        wecom=wecom,
        leads=leads,
        admin=admin,
        journeys=journeys,
        channels=channels,
    )


# Stand-ins for a section that failed: never used, since its error is raised.
_NO_SERVER = ServerSettings(host="", port=0, mount_fake_api=False)
_NO_STORAGE = StorageSettings(database_url="", redis_url="")


def _resolved_sqlite(database_url: str, base: Path) -> str:
    """A relative SQLite file path made absolute against `base` (the config's folder)."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or not url.database:
        return database_url
    if url.database == ":memory:" or url.database.startswith("file:"):
        return database_url
    if Path(url.database).is_absolute():
        return database_url
    return url.set(database=str(base / url.database)).render_as_string(hide_password=False)


def _server(table: TomlTable) -> ServerSettings:
    server = ServerSettings(
        host=table.text("host", "127.0.0.1"),
        port=table.integer("port", 8080, minimum=0),
        mount_fake_api=table.flag("mount_fake_api", False),
        read_timeout_s=table.number("read_timeout_s", 10.0),
        max_connections=table.integer("max_connections", 1000, minimum=1),
    )
    if server.read_timeout_s <= 0:
        raise table.error("read_timeout_s", "must be greater than 0")
    table.finish()
    return server


def _storage(table: TomlTable, env: Mapping[str, str], base: Path) -> StorageSettings:
    # The environment's URL is the operator's, typed in a shell: it stays as given.
    database_url = env.get("WXBOT_DATABASE_URL") or table.text(
        "database_url", "sqlite+aiosqlite:///wxbot.db"
    )
    redis_url = env.get("WXBOT_REDIS_URL", table.text("redis_url", ""))
    if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise table.error(
            "database_url", "must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
        )
    if "WXBOT_DATABASE_URL" not in env:
        try:
            database_url = _resolved_sqlite(database_url, base)
        except ArgumentError as exc:
            raise table.error("database_url", f"not a database URL: {exc}") from None
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


def _accounts(
    root: TomlTable, base: Path, env: Mapping[str, str], errors: ErrorCollector
) -> tuple[WeChatAccount, ...]:
    accounts: list[WeChatAccount] = []
    for table in root.tables("wechat"):
        account = errors.attempt(partial(_account, table, base, env, accounts), None)
        if account is not None:
            accounts.append(account)
    return tuple(accounts)


def _account(
    table: TomlTable, base: Path, env: Mapping[str, str], accounts: list[WeChatAccount]
) -> WeChatAccount:
    name = table.text("name")
    if not _NAME.match(name):
        raise table.error("name", "must be 1-32 letters, digits, '-' or '_'")
    if any(account.name == name for account in accounts):
        raise table.error("name", f"duplicate account name {name!r}")
    aes_key = _aes_key(table, "encoding_aes_key", env)
    require_encryption = table.flag("require_encryption", bool(aes_key))
    if require_encryption and not aes_key:
        raise table.error("require_encryption", "needs an encoding_aes_key")
    account = WeChatAccount(
        name=name,
        app_id=table.text("app_id"),
        app_secret=_secret(table, "app_secret", env, None),
        token=_secret(table, "token", env, None),
        encoding_aes_key=aes_key,
        previous_encoding_aes_key=_aes_key(table, "previous_encoding_aes_key", env),
        api_base=table.text("api_base", "https://api.weixin.qq.com").rstrip("/"),
        keywords=base / table.text("keywords"),
        require_encryption=require_encryption,
    )
    table.finish()
    return account


def _keywords(table: TomlTable, base: Path) -> KeywordSettings:
    shared = table.text("shared", "")
    table.finish()
    return KeywordSettings(shared=base / shared if shared else None)


def _wecom_apps(
    root: TomlTable, env: Mapping[str, str], errors: ErrorCollector
) -> tuple[WeComApp, ...]:
    apps: list[WeComApp] = []
    for table in root.tables("wecom"):
        app = errors.attempt(partial(_wecom_app, table, env, apps), None)
        if app is not None:
            apps.append(app)
    return tuple(apps)


def _wecom_app(table: TomlTable, env: Mapping[str, str], apps: list[WeComApp]) -> WeComApp:
    name = table.text("name")
    if not _NAME.match(name):
        raise table.error("name", "must be 1-32 letters, digits, '-' or '_'")
    if any(app.name == name for app in apps):
        raise table.error("name", f"duplicate WeCom app name {name!r}")
    aes_key = _aes_key(table, "encoding_aes_key", env)
    if not aes_key:
        # WeCom callbacks are always encrypted.
        raise table.error("encoding_aes_key", "is required")
    app = WeComApp(
        name=name,
        corp_id=table.text("corp_id"),
        agent_id=table.integer("agent_id", minimum=1),
        secret=_secret(table, "secret", env, None),
        token=_secret(table, "token", env, None),
        encoding_aes_key=aes_key,
        api_base=table.text("api_base", "https://qyapi.weixin.qq.com").rstrip("/"),
    )
    table.finish()
    return app


def _leads(table: TomlTable, wecom: tuple[WeComApp, ...], errors: ErrorCollector) -> LeadPolicy:
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
        sales=_sales(table, errors),
        grades=read_grades(table),
    )
    table.finish()
    return policy


def _sales(leads: TomlTable, errors: ErrorCollector) -> tuple[SalesRep, ...]:
    reps: list[SalesRep] = []
    for table in leads.tables("sales"):
        rep = errors.attempt(partial(_sales_rep, table, reps), None)
        if rep is not None:
            reps.append(rep)
    return tuple(reps)


def _sales_rep(table: TomlTable, reps: list[SalesRep]) -> SalesRep:
    userid = table.text("userid")
    if any(rep.userid == userid for rep in reps):
        raise table.error("userid", f"duplicate salesperson {userid!r}")
    max_open = table.integer("max_open", 0, minimum=0)
    rep = SalesRep(
        userid=userid,
        name=table.text("name", userid),
        tags=table.texts("tags"),
        max_open=max_open or None,
        manager=table.text("manager", "") or None,
    )
    table.finish()
    return rep


def _admin(table: TomlTable, env: Mapping[str, str], *, demo: bool) -> AdminSettings:
    token = _secret(table, "token", env, "")
    if token and len(token.reveal()) < ADMIN_TOKEN_MIN_CHARS:
        raise table.error("token", f"must be at least {ADMIN_TOKEN_MIN_CHARS} characters")
    session_key = _secret(table, "session_key", env, "")
    if session_key:
        _check_fernet_key(table, session_key.reveal())
    seed = _secret(table, "seed_ops_password", env, "")
    # A known password on a real deployment would be a way in for anyone who read the docs.
    if seed and not demo:
        raise table.error("seed_ops_password", "is for the demo only ([server] mount_fake_api)")
    settings = AdminSettings(
        token=token,
        session_key=session_key,
        session_minutes=table.integer("session_minutes", 480, minimum=5),
        lockout_failures=table.integer("lockout_failures", 5, minimum=1),
        lockout_minutes=table.integer("lockout_minutes", 15, minimum=1),
        secure_cookie=table.flag("secure_cookie", False),
        seed_ops_password=seed,
    )
    table.finish()
    return settings


def _check_fernet_key(table: TomlTable, key: str) -> None:
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != AES_KEY_BYTES:
        raise table.error("session_key", "must be 32 bytes in urlsafe base64 (44 characters)")


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


def _channels(table: TomlTable, base: Path) -> ChannelSettings:
    name = table.text("file", "")
    table.finish()
    if not name:
        return ChannelSettings()
    path = base / name
    if not path.is_file():
        raise table.error("file", f"{path} does not exist")
    return ChannelSettings(file=path)
