"""`wxbot fake-api --host H --port P`: the fake WeChat/WeCom API alone, for a rehearsal.

It knows the config's own accounts and apps (their ids and secrets), so a config
being readied for live traffic can point its `api_base` at it and pass `doctor`
before the real credentials and IP whitelists are in place. The demo serves the
same fake inside the bot (`[server] mount_fake_api`); this one runs apart from it.
Never for live traffic: it only plays WeChat's servers.
"""

from __future__ import annotations

import argparse
import errno
from typing import Any

from aiohttp import web

from bot.cli.errors import ExitStatus, UsageError
from bot.config.settings import Settings


def add_fake_api_parser(commands: argparse._SubParsersAction[Any]) -> None:
    fake = commands.add_parser(
        "fake-api", help="serve the fake WeChat/WeCom API alone, knowing this config's accounts"
    )
    fake.add_argument("--host", default="127.0.0.1", help="address to listen on")
    fake.add_argument("--port", type=int, default=8081, help="port to listen on (default 8081)")


def run_fake_api(settings: Settings, args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    # The app factory's module is heavy; only this command and `serve` need it.
    from bot.app import demo_fake_state  # noqa: PLC0415
    from fakewechat.app import create_fake_app  # noqa: PLC0415

    names = [a.name for a in settings.wechat] + [a.name for a in settings.wecom]
    accounts = ", ".join(names) or "no accounts"
    app = create_fake_app(demo_fake_state(settings))
    banner = f"fake WeChat/WeCom API for {accounts} at http://{args.host}:{args.port}"
    try:
        # No access log: a WeCom token request carries its secret in the query string.
        web.run_app(
            app,
            host=args.host,
            port=args.port,
            access_log=None,
            print=lambda _: print(banner),  # noqa: T201 - the one line saying where it listens
        )
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        raise UsageError(f"port {args.port} is in use on {args.host}") from None
    return ExitStatus.DONE
