"""`wxbot tagging check FILE`: every problem of a tagging rules file, with its line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from bot.cli.errors import run_check
from filecheck.problems import Problem
from tagging.rules_file import load_rules


def add_tagging_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register `wxbot tagging` and its subcommands."""
    tagging = commands.add_parser("tagging", help="tagging rules (tagging.toml)")
    sub = tagging.add_subparsers(dest="tagging_command", required=True)
    check = sub.add_parser("check", help="validate a tagging rules file: every problem at once")
    check.add_argument("file", type=Path)


def run_tagging(args: argparse.Namespace, out: TextIO) -> int:
    """Run one `wxbot tagging` subcommand; the exit status (see `bot.cli.errors`)."""
    return run_check(args.file, _checked, out)


def _checked(path: Path) -> tuple[str, tuple[Problem, ...]]:
    rules = load_rules(path)
    counts = (
        (len(rules.counters), "counters"),
        (len(rules.tiers), "tiers"),
        (len(rules.expiry), "expiry rules"),
    )
    return ", ".join(f"{count} {what}" for count, what in counts), ()
