"""The browser suite is collected only where chromium and playwright are present; the
run's header says which (see tests/conftest.py). Its tests share one `browser`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

from tests.browser.chromium import CHROMIUM, HAS_PLAYWRIGHT

if TYPE_CHECKING:
    from playwright.async_api import Browser

collect_ignore_glob = [] if CHROMIUM and HAS_PLAYWRIGHT else ["test_*.py"]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    # Imported here: this file is read even where playwright is missing.
    from playwright.async_api import async_playwright  # noqa: PLC0415

    async with async_playwright() as playwright:
        # --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()
