"""The browser suite is collected only where chromium and playwright are present; the
run's header says which (see tests/conftest.py)."""

from __future__ import annotations

from tests.browser.chromium import CHROMIUM, HAS_PLAYWRIGHT

collect_ignore_glob = [] if CHROMIUM and HAS_PLAYWRIGHT else ["test_*.py"]
