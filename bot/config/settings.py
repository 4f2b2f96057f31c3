"""wxbot's settings: one frozen object, read once at start from TOML and the environment.

Environment variables override the file (`WXBOT_DATABASE_URL`, `WXBOT_REDIS_URL`),
and any secret may be given as `"${VAR}"` so it lives in the environment only.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config.grades import read_grades
from bot.config.secret import Secret
from bot.errors import SettingsError, SettingsErrors
from filecheck.toml_table import TomlTable, read_toml
from leads.policy import FollowupTiers, LeadPolicy, SalesRep
from leads.transfer_limits import TRANSFER_MSG_MAX

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

    Every problem of the file is reported at once (`SettingsErrors`), each only where
    it is: a typo in one key is one error, never also an error of a key that depends
    on it. Relative paths (keyword tables, tagging rules, a SQLite database) are
    relative to the config file, except that the demo installed with the package
    keeps its database in `cwd` (default: the working directory) rather than inside
    site-packages.
    """
    source = path or (Path(env["WXBOT_CONFIG"]) if env.get("WXBOT_CONFIG") else DEMO_CONFIG)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(source, "file", "does not exist") from None
    except OSError as exc:
        raise SettingsError(source, "file", f"cannot be read: {exc.strerror}") from None
    root = read_toml(text, str(source))
    database_base = (cwd or Path.cwd()) if source == PACKAGED_DEMO_CONFIG else source.parent
    settings = read_settings(root, env, source, database_base)
    problems = root.problems()
    if problems:
        errors = [SettingsError(source, p.column or "file", p.message) for p in problems]
        raise errors[0] if len(errors) == 1 else SettingsErrors(errors)
    return settings


def read_settings(
    root: TomlTable, env: Mapping[str, str], source: Path, database_base: Path
) -> Settings:
    """The settings `root` describes; their problems are recorded on `root`, not raised.

    Only `load_settings` (which checks `root.problems()` first) and the tests that
    walk the schema call this.
    """
    base = source.parent
    server_table = root.table("server")
    server = _server(server_table)
    storage = _storage(root.table("storage"), env, database_base.resolve())
    wechat = _accounts(root.tables("wechat"), base, env)
    keywords = _keywords(root.table("keywords"), base)
    wecom_tables = root.tables("wecom")
    wecom = _wecom_apps(wecom_tables, env)
    tagging = _tagging(root.table("tagging"), base)
    # Read even when absent, so a typo such as `[lead]` is told "did you mean `leads`?".
    leads_table = root.table("leads")
    # Which apps [leads] may name is known only when no [[wecom]] name is in doubt.
    known_apps = (
        {app.name for app in wecom}
        if root.trusted("wecom") and all(table.trusted("name") for table in wecom_tables)
        else None
    )
    leads = _leads(leads_table, known_apps) if root.has("leads") else None
    # Whether this is the demo is known only when [server] mount_fake_api is not in doubt.
    sure = root.trusted("server") and server_table.trusted("mount_fake_api")
    admin = _admin(root.table("admin"), env, demo=server.mount_fake_api if sure else None)
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
        journeys=_journeys(root.table("journeys"), base),
        channels=_channels(root.table("channels"), base),
    )


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
        table.problem("read_timeout_s", "must be greater than 0")
    return server


def _storage(table: TomlTable, env: Mapping[str, str], base: Path) -> StorageSettings:
    # The environment's URL is the operator's, typed in a shell: it stays as given.
    database_url = env.get("WXBOT_DATABASE_URL") or table.text(
        "database_url", "sqlite+aiosqlite:///wxbot.db"
    )
    redis_url = env.get("WXBOT_REDIS_URL", table.text("redis_url", ""))
    if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        table.problem(
            "database_url", "must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
        )
    elif "WXBOT_DATABASE_URL" not in env:
        try:
            database_url = _resolved_sqlite(database_url, base)
        except ArgumentError as exc:
            table.problem("database_url", f"not a database URL: {exc}")
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        table.problem("redis_url", "must be empty or a redis:// URL")
    return StorageSettings(database_url=database_url, redis_url=redis_url)


def _secret(table: TomlTable, key: str, env: Mapping[str, str], default: str | None) -> Secret:
    raw = table.text(key, default)
    reference = _ENV_REFERENCE.match(raw)
    if reference is None:
        return Secret(raw)
    variable = reference.group(1)
    if variable not in env:
        table.problem(key, f"names environment variable {variable}, which is not set")
        return Secret("")
    return Secret(env[variable])


def _aes_key(
    table: TomlTable, key: str, env: Mapping[str, str], *, required: bool = False
) -> Secret:
    secret = _secret(table, key, env, None if required else "")
    value = secret.reveal()
    if value:
        try:
            decoded = base64.b64decode(value + "=", validate=True)
        except (binascii.Error, ValueError):  # ValueError: not ASCII
            decoded = b""
        if len(value) != AES_KEY_CHARS or len(decoded) != AES_KEY_BYTES:
            table.problem(key, "must be the 43-character EncodingAESKey from the console")
    elif required:
        table.problem(key, "is required")
    return secret


def _name(table: TomlTable, taken: set[str], what: str) -> str:
    """The table's `name`: a valid, unique one (duplicates are the later table's problem)."""
    name = table.text("name")
    if table.has("name") and not _NAME.match(name):
        table.problem("name", "must be 1-32 letters, digits, '-' or '_'")
    elif name in taken:
        table.problem("name", f"duplicate {what} name {name!r}")
    taken.add(name)
    return name


def _accounts(
    tables: list[TomlTable], base: Path, env: Mapping[str, str]
) -> tuple[WeChatAccount, ...]:
    names: set[str] = set()
    return tuple(_account(table, base, env, names) for table in tables)


def _account(
    table: TomlTable, base: Path, env: Mapping[str, str], names: set[str]
) -> WeChatAccount:
    name = _name(table, names, "account")
    aes_key = _aes_key(table, "encoding_aes_key", env)
    require_encryption = table.flag("require_encryption", bool(aes_key))
    if require_encryption and not aes_key and table.trusted("encoding_aes_key"):
        table.problem("require_encryption", "needs an encoding_aes_key")
    return WeChatAccount(
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


def _keywords(table: TomlTable, base: Path) -> KeywordSettings:
    shared = table.text("shared", "")
    return KeywordSettings(shared=base / shared if shared else None)


def _wecom_apps(tables: list[TomlTable], env: Mapping[str, str]) -> tuple[WeComApp, ...]:
    names: set[str] = set()
    return tuple(_wecom_app(table, env, names) for table in tables)


def _wecom_app(table: TomlTable, env: Mapping[str, str], names: set[str]) -> WeComApp:
    name = _name(table, names, "WeCom app")
    # WeCom callbacks are always encrypted.
    aes_key = _aes_key(table, "encoding_aes_key", env, required=True)
    return WeComApp(
        name=name,
        corp_id=table.text("corp_id"),
        agent_id=table.integer("agent_id", minimum=1),
        secret=_secret(table, "secret", env, None),
        token=_secret(table, "token", env, None),
        encoding_aes_key=aes_key,
        api_base=table.text("api_base", "https://qyapi.weixin.qq.com").rstrip("/"),
    )


def _leads(table: TomlTable, known_apps: set[str] | None) -> LeadPolicy:
    """`known_apps`: the [[wecom]] names, None when a typo leaves them in doubt."""
    app = table.text("wecom")
    if known_apps is not None and table.has("wecom") and app not in known_apps:
        table.problem("wecom", f"names no configured [[wecom]] app: {app!r}")
    followup = FollowupTiers(
        remind_days=table.integer("followup_days", 3, minimum=1),
        manager_days=table.integer("followup_manager_days", 5, minimum=1),
        pool_days=table.integer("followup_pool_days", 7, minimum=1),
    )
    tiers = ("followup_days", "followup_manager_days", "followup_pool_days")
    if table.trusted(*tiers) and not (
        followup.remind_days <= followup.manager_days <= followup.pool_days
    ):
        table.problem(
            "followup_pool_days",
            "tiers must not decrease: followup_days <= followup_manager_days <= followup_pool_days",
        )
    return LeadPolicy(
        wecom=app,
        qualify_score=table.integer("qualify_score", 100, minimum=1),
        phone_score=table.integer("phone_score", 50, minimum=0),
        claim_minutes=table.integer("claim_minutes", 30, minimum=1),
        dormant_days=table.integer("dormant_days", 90, minimum=1),
        followup=followup,
        daily_claim_cap=table.integer("daily_claim_cap", 20, minimum=1),
        sales=_sales(table.tables("sales")),
        grades=read_grades(table),
        transfer_message=_transfer_message(table),
    )


def _transfer_message(table: TomlTable) -> str | None:
    """`transfer_message`: at most 200 characters, WeCom's `transfer_success_msg` limit
    (document/path/92125; "最多200个字符" as the SDKs quote it)."""
    message = table.text("transfer_message", "")
    if len(message) > TRANSFER_MSG_MAX:
        table.problem(
            "transfer_message",
            f"must be at most {TRANSFER_MSG_MAX} characters, got {len(message)}",
        )
        return message[:TRANSFER_MSG_MAX]
    return message or None


def _sales(tables: list[TomlTable]) -> tuple[SalesRep, ...]:
    userids: set[str] = set()
    reps = []
    for table in tables:
        userid = table.text("userid")
        if userid in userids:
            table.problem("userid", f"duplicate salesperson {userid!r}")
        userids.add(userid)
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
    return tuple(reps)


def _admin(table: TomlTable, env: Mapping[str, str], *, demo: bool | None) -> AdminSettings:
    """`demo`: whether [server] mount_fake_api is on; None when a typo leaves it in doubt."""
    token = _secret(table, "token", env, "")
    if token and len(token.reveal()) < ADMIN_TOKEN_MIN_CHARS:
        table.problem("token", f"must be at least {ADMIN_TOKEN_MIN_CHARS} characters")
    session_key = _secret(table, "session_key", env, "")
    if session_key:
        _check_fernet_key(table, session_key.reveal())
    seed = _secret(table, "seed_ops_password", env, "")
    # A known password on a real deployment would be a way in for anyone who read the docs.
    if seed and demo is False:
        table.problem("seed_ops_password", "is for the demo only ([server] mount_fake_api)")
    return AdminSettings(
        token=token,
        session_key=session_key,
        session_minutes=table.integer("session_minutes", 480, minimum=5),
        lockout_failures=table.integer("lockout_failures", 5, minimum=1),
        lockout_minutes=table.integer("lockout_minutes", 15, minimum=1),
        secure_cookie=table.flag("secure_cookie", False),
        seed_ops_password=seed,
    )


def _check_fernet_key(table: TomlTable, key: str) -> None:
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != AES_KEY_BYTES:
        table.problem("session_key", "must be 32 bytes in urlsafe base64 (44 characters)")


def _existing_file(table: TomlTable, key: str, base: Path) -> Path | None:
    """The file `key` names, relative to the config; None when empty or absent."""
    name = table.text(key, "")
    if not name:
        return None
    path = base / name
    if not path.is_file():
        table.problem(key, f"{path} does not exist")
    return path


def _tagging(table: TomlTable, base: Path) -> TaggingSettings:
    return TaggingSettings(rules=_existing_file(table, "rules", base))


def _journeys(table: TomlTable, base: Path) -> JourneySettings:
    return JourneySettings(file=_existing_file(table, "file", base))


def _channels(table: TomlTable, base: Path) -> ChannelSettings:
    return ChannelSettings(file=_existing_file(table, "file", base))
