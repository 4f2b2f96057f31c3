"""`wxbot doctor [--demo] [--public-url URL]`: ✓/✗ per check, with the fix."""

from __future__ import annotations

import argparse
import logging
from typing import Any, TextIO

from bot.cli.errors import ExitStatus
from bot.config.settings import Settings
from bot.ops.doctor import run_checks


def add_doctor_parser(commands: argparse._SubParsersAction[Any]) -> None:
    doctor = commands.add_parser("doctor", help="check a config before live traffic")
    doctor.add_argument(
        "--public-url", help="the bot's public base URL: check WeChat's GET verification"
    )
    doctor.add_argument(
        "--demo",
        action="store_true",
        help="check a demo config as a demo: its fake API and demo-only settings are expected",
    )


async def run_doctor(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    """DONE when every check passes, PROBLEMS when one fails (the config has problems)."""
    # The API clients log each failed call; here the ✗ line already says it.
    logging.getLogger("wxapi").setLevel(logging.CRITICAL)
    as_what = " as a demo" if args.demo else " for live traffic"
    out.write(f"checking {settings.source}{as_what}\n")
    checks = await run_checks(settings, args.public_url, demo=args.demo)
    for check in checks:
        mark = "✓" if check.ok else "✗"
        out.write(f"{mark} {check.name}: {check.detail}\n")
        if not check.ok and check.fix:
            out.write(f"    fix: {check.fix}\n")
    failed = sum(not check.ok for check in checks)
    if failed:
        out.write(f"{failed} of {len(checks)} checks failed\n")
        return ExitStatus.PROBLEMS
    out.write("all checks passed\n")
    return ExitStatus.DONE
