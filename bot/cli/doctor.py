"""`wxbot doctor --config X [--public-url URL]`: ✓/✗ per check, with the fix."""

from __future__ import annotations

import logging
from typing import TextIO

from bot.config.settings import Settings
from bot.ops.doctor import run_checks


async def run_doctor(settings: Settings, public_url: str | None, out: TextIO) -> int:
    """0 when every check passes, 1 otherwise."""
    # The API clients log each failed call; here the ✗ line already says it.
    logging.getLogger("wxapi").setLevel(logging.CRITICAL)
    out.write(f"checking {settings.source}\n")
    checks = await run_checks(settings, public_url)
    for check in checks:
        mark = "✓" if check.ok else "✗"
        out.write(f"{mark} {check.name}: {check.detail}\n")
        if not check.ok and check.fix:
            out.write(f"    fix: {check.fix}\n")
    failed = sum(not check.ok for check in checks)
    out.write("all checks passed\n" if not failed else f"{failed} of {len(checks)} checks failed\n")
    return 1 if failed else 0
