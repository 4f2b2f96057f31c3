"""`wxbot journeys …` against a real database: check, list, runs, dry-run, stats, start."""

from __future__ import annotations

import argparse
import io
import re
from pathlib import Path

import pytest

from bot.cli.journeys import add_journeys_parser, run_journeys, run_journeys_async
from bot.cli.main import main
from bot.config.settings import Settings, load_settings
from bot.ops.profile_text import render_profile
from tests.journeys.conftest import WorldFactory
from tests.journeys.test_steps import STEPS

DEMO = Path(__file__).resolve().parents[2] / "journeys.toml"


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_journeys_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["journeys", *argv])


async def _run(settings: Settings, *argv: str) -> str:
    out = io.StringIO()
    assert await run_journeys_async(settings, _args(*argv), out) == 0, out.getvalue()
    return out.getvalue()


def test_check_accepts_the_demo_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["journeys", "check", str(DEMO)]) == 0
    assert capsys.readouterr().out == (
        f"{DEMO}: 4 journeys, 7 steps, 2 templates, 0 errors, 0 warnings\n"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[journey]]\nname = \"a\"\ntrigger = \"click:X\"\n[[journey.step]]\naction = \"txt\"\n",
         "x.toml:5: journey 'a' step 1.action: unknown action 'txt'"),
        ("[[journey]]\nname = \"a\"\ntrigger = \"click:X\"\n[[journey.step]]\nwait = \"soon\"\n"
         "action = \"text\"\ntext = \"t\"\n",
         "x.toml:5: journey 'a' step 1.wait: 'soon' is no wait"),
        ("[[journey]]\nname = \"a\"\ntrigger = \"clack:X\"\n", "x.toml:3: journey 'a'.trigger"),
        ("[[journey]]\nname = \"a\"\ntrigger = \"segment\"\nexit = \"lead:any &\"\n"
         "[[journey.step]]\naction = \"text\"\ntext = \"t\"\n", "x.toml:4: journey 'a'.exit"),
        ("[[journey]]\nname = \"a\"\ntrigger = \"segment\"\n[[journey.step]]\naction = \"text\"\n"
         "text = \"t\"\ntemplate = \"nope\"\n", "x.toml:7: journey 'a' step 1.template: names no"),
        ("daily_cap = 0\n", "x.toml:1: daily_cap: must be at least 1, got 0"),
        ("[[journey]\n", "x.toml:1:"),
    ],
)  # fmt: skip
def test_check_names_the_line_of_each_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    assert run_journeys(load_settings(None, {}), _args("check", str(path))) == 1
    assert expected in capsys.readouterr().out.replace(str(tmp_path) + "/", "")


async def test_list_runs_dry_run_stats_and_start(make_world: WorldFactory) -> None:
    world = await make_world(STEPS)
    who = await world.person("o_cli", tags=["高意向"], score=120)
    other = await world.person("o_cli2")
    await world.make_lead(other, owner="zhangsan")
    await world.enter("waits", who)
    listing = await _run(world.settings, "list")
    assert "waits" in listing and "trigger segment" in listing and "active 1" in listing
    runs = await _run(world.settings, "runs", "--user", "o_cli")
    assert "waits active" in runs and "next step 1/4 text" in runs
    async with world.sessions() as session:
        shown = await render_profile(session, who)
    assert "Journeys\n  waits               active  next step 1 at 2026-01-05 10:30" in shown
    dry = await _run(world.settings, "dry-run", "conditions", "--user", f"#{who}")
    assert dry.startswith(f"dry run of conditions for profile #{who}, now 20")
    assert dry.splitlines()[0].endswith(" UTC+8")
    assert "step 1 at" in dry and "send via custom" in dry
    assert "step 3" in dry and "skip: condition score<100 | grade:A does not hold" in dry
    started = await _run(world.settings, "start", "exits", "--segment", "tag:高意向 & !phone")
    assert "1 in the segment, 1 entered" in started
    world.clock.advance(hours=1)
    await world.fire()
    stats = await _run(world.settings, "stats", "waits")
    assert "entered 1" in stats and "at step 2 (2h text): 1" in stats  # step 1 sent
    stats = await _run(world.settings, "stats", "exits")
    # `start` runs on the real clock: its run waits an hour of real time.
    assert "entered 1" in stats and "at step 1 (1h text): 1" in stats


async def test_runs_says_every_time_in_one_zone(make_world: WorldFactory) -> None:
    """Postponed and skipped steps used to note UTC `…Z` times beside local ones."""
    world = await make_world(STEPS)
    quiet, stale = await world.person("o_zone_quiet"), await world.person("o_zone_stale")
    world.clock.set_local(21, 30)
    await world.enter("exits", quiet)  # due 22:30: quiet hours
    await world.enter("stale", stale)
    world.clock.advance(hours=4)  # the stale step was due at 22:30, now 01:30
    await world.fire()
    runs = await _run(world.settings, "runs", "--user", "o_zone_quiet")
    runs += await _run(world.settings, "runs", "--user", "o_zone_stale")
    assert "postponed quiet hours 22:00-08:00" in runs
    assert "skipped stale: due 3h 0m ago" in runs
    times = re.findall(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d\S*(?: UTC[+-]\d+)?", runs)
    assert times and all(time.endswith(" UTC+8") for time in times), runs
