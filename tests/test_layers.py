"""The import rules of docs/ARCHITECTURE.md: every arrow points down, never up or sideways.

Each unit (a top-level package, or a subpackage or module of `bot/`) has a
rank; a module may import its own unit and units of a lower rank only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "bot",
    "filecheck",
    "handlers",
    "keywords",
    "tagging",
    "menus",
    "storage",
    "leads",
    "journeys",
    "wxapi",
    "fakewechat",
    "channels",
)

# Lower ranks know nothing of higher ones; the same rank means "not each other".
RANKS = {
    "filecheck": 0,
    "storage": 1,
    "keywords": 1,
    "fakewechat": 1,
    "wxapi": 2,
    "tagging": 2,
    "channels": 2,
    "leads": 3,
    "menus": 3,
    "journeys": 4,
    "handlers": 5,
    "bot.errors": 6,
    "bot.metrics": 6,
    "bot.config": 7,
    "bot.runtime": 8,
    "bot.callbacks": 9,
    "bot.effects": 9,
    "bot.app_keys": 10,
    "bot.testing": 10,
    "bot.health": 11,
    "bot.ops": 11,
    "bot.admin": 12,
    "bot.app": 13,
    "bot.cli": 14,
    "bot.__main__": 15,
}


def unit_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "bot" else parts[0]


def imports() -> list[tuple[str, str, str]]:
    """(file, importing unit, imported unit) for every import of our own packages."""
    found: list[tuple[str, str, str]] = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                here = str(path.relative_to(ROOT))
                found.extend(
                    (here, unit_of(module), unit_of(name))
                    for name in names
                    if name.split(".")[0] in PACKAGES
                )
    return found


def test_every_unit_has_a_rank() -> None:
    units = {unit for _, unit, _ in imports()} | {target for _, _, target in imports()}
    assert units <= set(RANKS), sorted(units - set(RANKS))


@pytest.mark.parametrize("package", PACKAGES)
def test_no_arrow_points_up_or_sideways(package: str) -> None:
    wrong = [
        f"{path}: {unit} (rank {RANKS[unit]}) imports {target} (rank {RANKS[target]})"
        for path, unit, target in imports()
        if path.startswith(package + "/")
        and unit != target
        and RANKS.get(target, 99) >= RANKS.get(unit, -1)
    ]
    assert not wrong, "\n".join(wrong)
