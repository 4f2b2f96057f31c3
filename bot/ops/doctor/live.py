"""Settings the demo needs and live traffic must not have: `doctor`'s production gate.

`cp config.example.toml config.toml` gives a config that runs, so nothing else would
stop it from going live with the fake API, the demo's secrets and a known password.
Each finding names the key and the file, and says how to fix it. `--demo` skips
these (a demo config is meant to have them).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from urllib.parse import urlsplit

from bot.config.secret import Secret
from bot.config.settings import DEMO_CONFIG, Settings, load_settings
from bot.ops.doctor.check import Check

_MAKE_KEY = (
    'python3 -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
)


def live_checks(settings: Settings, public_url: str | None) -> list[Check]:
    """The production gate: one ✓ or ✗ per demo-only setting."""
    source = settings.source
    fake = settings.server.mount_fake_api
    checks = [
        Check(
            "[server] mount_fake_api",
            not fake,
            "on: the demo's fake WeChat API answers at /_fake" if fake else "off",
            f"set mount_fake_api = false in {source}",
        ),
        *_api_bases(settings),
        Check(
            "[admin] seed_ops_password",
            not settings.admin.seed_ops_password,
            "set: anyone who read the README can sign in as ops"
            if settings.admin.seed_ops_password
            else "not set",
            f"delete seed_ops_password from {source}; add users with"
            " `wxbot admin add-user NAME --role ops`",
        ),
        *_secrets(settings),
        _session_key(settings),
    ]
    if public_url and urlsplit(public_url).scheme == "https":
        secure = settings.admin.secure_cookie
        checks.append(
            Check(
                "[admin] secure_cookie",
                secure,
                "on"
                if secure
                else f"off, though the site is served at {public_url}:"
                " the session cookie would also travel over plain http",
                f"set secure_cookie = true in [admin] of {source}",
            )
        )
    return checks


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _api_bases(settings: Settings) -> Iterator[Check]:
    bases = [
        *((f"[[wechat]] {a.name} api_base", a.api_base) for a in settings.wechat),
        *((f"[[wecom]] {a.name} api_base", a.api_base) for a in settings.wecom),
    ]
    for name, base in bases:
        loopback = _loopback(base)
        yield Check(
            name,
            not loopback,
            f"{base}: this machine, not WeChat (the demo's fake API)" if loopback else base,
            f"delete api_base from {settings.source} (the default is WeChat's own API)",
        )


def _demo_values() -> set[str]:
    """Every credential of the example config: public, so never a real one."""
    demo = load_settings(DEMO_CONFIG, {})
    values: list[Secret | str] = []
    for account in demo.wechat:
        values += [account.app_id, account.app_secret, account.token, account.encoding_aes_key]
    for app in demo.wecom:
        values += [app.corp_id, app.secret, app.token, app.encoding_aes_key]
    values += [demo.admin.token, demo.admin.session_key]
    texts = {value.reveal() if isinstance(value, Secret) else value for value in values}
    return texts - {""}


# A credential: its key, its value, and whether it may be empty.
_Field = tuple[str, Secret | str, bool]


def _secrets(settings: Settings) -> Iterator[Check]:
    """One check per [[wechat]] and [[wecom]] table (and [admin]): its credentials."""
    demo = _demo_values()
    account = "the account's own, from WeChat's 开发 → 基本配置"
    corp = "the app's own, from WeCom's 应用管理 and 我的企业"
    tables: list[tuple[str, list[_Field], str]] = []
    for a in settings.wechat:
        # An empty encoding_aes_key is plaintext mode, which WeChat allows.
        fields: list[_Field] = [
            ("app_id", a.app_id, True),
            ("app_secret", a.app_secret, True),
            ("token", a.token, True),
            ("encoding_aes_key", a.encoding_aes_key, False),
        ]
        tables.append((f"[[wechat]] {a.name}", fields, account))
    for app in settings.wecom:
        fields = [
            ("corp_id", app.corp_id, True),
            ("secret", app.secret, True),
            ("token", app.token, True),
            ("encoding_aes_key", app.encoding_aes_key, True),
        ]
        tables.append((f"[[wecom]] {app.name}", fields, corp))
    if settings.admin.token:  # empty: the admin JSON API is off
        made = 'one of your own (16+ characters), or "" to turn the JSON API off'
        tables.append(("[admin]", [("token", settings.admin.token, True)], made))
    for where, fields, own in tables:
        texts = [(key, v.reveal() if isinstance(v, Secret) else v, need) for key, v, need in fields]
        example = [key for key, text, _ in texts if text in demo]
        empty = [key for key, text, need in texts if need and not text]
        problems = [f"{', '.join(example)} from the example config"] if example else []
        problems += [f"{', '.join(empty)} empty"] if empty else []
        yield Check(
            f"{where} credentials",
            not problems,
            "; ".join(problems) or "set, none from the example config",
            f'in {where} of {settings.source}, put {own} (or "${{VAR}}" and the environment)',
        )


def _session_key(settings: Settings) -> Check:
    name = "[admin] session_key"
    if settings.admin.session_key.reveal() in _demo_values():
        return Check(name, False, "the example config's key", _key_fix(settings))
    if settings.admin.session_key:
        return Check(name, True, "set: the admin site is on")
    if settings.server.mount_fake_api:
        return Check(
            name,
            False,
            "empty: the admin site derives its cookie key from the config, as the demo does;"
            " anyone with the config can forge a session",
            _key_fix(settings),
        )
    return Check(name, True, "empty: the admin site is off")


def _key_fix(settings: Settings) -> str:
    return f"set session_key in [admin] of {settings.source} to a new key: {_MAKE_KEY}"
