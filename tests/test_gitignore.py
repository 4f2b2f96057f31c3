"""A config holds secrets and a database holds people: git never picks either up."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("path", "ignored"),
    [
        ("config.toml", True),
        ("deploy/config.toml", True),
        ("wxbot.db", True),
        ("data/other.db", True),
        ("wxbot.db-wal", True),
        ("config.example.toml", False),
        ("keywords/demo.csv", False),
    ],
)
def test_gitignore(path: str, ignored: bool) -> None:
    git = shutil.which("git")
    assert git is not None, "git is part of a checkout's tools"
    done = subprocess.run(  # noqa: S603 - git on our own repository
        [git, "check-ignore", "--no-index", "-q", path], cwd=ROOT, check=False
    )
    assert done.returncode == (0 if ignored else 1)
