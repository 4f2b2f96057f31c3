"""Whether the browser suite can run here: Debian's chromium and the playwright package.

Playwright cannot download its own browser on these machines, so the suite drives
the system's chromium (`apt-get install chromium`) and is left out where it is missing.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import Page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or ""
HAS_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None
SCREENSHOTS = Path(
    os.environ.get("WXBOT_SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / ".screenshots")
)


def browser_suite_header() -> str:
    if CHROMIUM and HAS_PLAYWRIGHT:
        return f"browser suite: included (chromium at {CHROMIUM}, screenshots in {SCREENSHOTS})"
    missing = "chromium (apt-get install chromium)" if not CHROMIUM else "playwright (pip)"
    return f"browser suite left out: no {missing}"


async def save_screenshot(page: Page, name: str, folder: Path = SCREENSHOTS) -> None:
    """The whole page as `folder/name.png`: evidence for a person to look at."""
    folder.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
