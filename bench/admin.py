"""Server time of each admin page over a large data set in PostgreSQL.

Builds a scratch database (migrated like production) with, at `--scale 1`,
1 000 000 profiles, 10 000 000 events over 90 days, 100 000 leads (graded A, B
or C, A the rare one), 200 000 outbox jobs, 200 000 journey runs and 1 000
channels (the scenes the events and leads carry; `bench/admin_channels.py`), then signs
in and times each page over real HTTP on loopback (median and
worst of `--runs` after one cold request). The database is dropped at the end
unless `--keep`.

    python -m bench.admin [--scale 0.1] [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench.admin_channels import (
    CHANNEL_PAGES,
    channel_count,
    channels_fill_sql,
    publish_channels,
)
from bot.admin.keys import SITE
from bot.admin.passwords import hash_password
from bot.app import Background, create_app
from bot.config.settings import load_settings
from storage.database import create_session_factory, upgrade_schema
from storage.types import utc_now
from tests.bot.admin.site_helpers import PASSWORD, SESSION_KEY, csrf_of

DATABASE = "bench_admin"  # --name picks another, so two runs on one server keep apart
SALES = ["zhangsan", "lisi", "wangwu", "zhaoliu", "sunqi"]
DAYS = 90

CONFIG = """
[server]
mount_fake_api = true
[storage]
database_url = "{url}"
[[wechat]]
name = "main"
app_id = "wxbench000000000"
app_secret = "bench-secret"
token = "bench-token"
api_base = "http://127.0.0.1:9/_fake"
keywords = "{keywords}"
[[wecom]]
name = "sales"
corp_id = "wwbench"
agent_id = 1000002
secret = "bench-corp-secret"
token = "bench-wecom-token"
encoding_aes_key = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
api_base = "http://127.0.0.1:9/_fake"
[leads]
wecom = "sales"
{sales}
[[leads.grades]]
name = "A"
min_score = 150
[[leads.grades]]
name = "B"
min_score = 100
[[leads.grades]]
name = "C"
phone = true
[journeys]
file = "{journeys}"
[admin]
session_key = "{key}"
"""
JOURNEYS = """
[[journey]]
name = "nurture"
trigger = "segment"
  [[journey.step]]
  wait = "2h"
  action = "text"
  text = "价格表"
  [[journey.step]]
  wait = "3d"
  action = "text"
  text = "试驾邀请"
"""


def _fill_sql(profiles: int, events: int, leads: int, scenes: int) -> list[str]:
    """Server-side generate_series inserts: no rows cross the wire."""
    sales = "ARRAY[" + ",".join(f"'{s}'" for s in SALES) + "]"
    span = DAYS * 86400
    step = max(1, profiles // max(1, leads))
    return [
        f"""INSERT INTO profiles (id, phone, score, first_channel, last_channel, created_at,
            updated_at)
            SELECT g, CASE WHEN g % 3 = 0 THEN '13' || lpad(g::text, 9, '0') END, g % 200,
                   'scene' || (g % {scenes}), 'main', now() - (g % {span}) * interval '1 second',
                   now()
            FROM generate_series(1, {profiles}) g""",
        f"""INSERT INTO identities (id, profile_id, kind, app, value, subscribed, created_at,
            last_seen_at)
            SELECT g, g, 'openid', 'main', 'o' || lpad(g::text, 12, '0'), true, now(), now()
            FROM generate_series(1, {profiles}) g""",
        f"""INSERT INTO profile_tags (profile_id, tag, category, source, created_at)
            SELECT g, (ARRAY['询价','试驾意向','留资','上海','渠道:春季车展'])[1 + g % 5],
                   'behavior', 'keyword:price', now()
            FROM generate_series(1, {profiles}, 2) g""",
        f"""INSERT INTO inbound_events (dedup_key, account, openid, profile_id, msg_type, event,
            event_key, content, sent_at, received_at, rule)
            SELECT 'b' || g, 'main', 'o' || lpad((1 + g % {profiles})::text, 12, '0'),
                   1 + g % {profiles},
                   CASE WHEN g % 10 = 0 THEN 'event' ELSE 'text' END,
                   CASE WHEN g % 10 = 0 THEN 'subscribe' END,
                   CASE WHEN g % 10 = 0 THEN 'qrscene_scene' || (g % {scenes}) END,
                   CASE WHEN g % 10 <> 0 THEN (ARRAY['价格多少','我想试驾','发票怎么开',
                        '你好','门店地址在哪'])[1 + g % 5] END,
                   now() - (g % {span}) * interval '1 second',
                   now() - (g % {span}) * interval '1 second',
                   CASE WHEN g % 10 <> 0 AND g % 3 <> 0 THEN 'price' END
            FROM generate_series(1, {events}) g""",
        f"""INSERT INTO leads (id, profile_id, state, owner, assigned_at, claimed_at, escalation,
            active_at, channel, locked, created_at, grade)
            SELECT g, g * {step},
                   (ARRAY['new','contacting','unclear','intent','booked','won','dormant',
                          'lost'])[1 + g % 8],
                   CASE WHEN g % 7 = 0 THEN NULL ELSE ({sales})[1 + g % {len(SALES)}] END,
                   now() - (g % {span}) * interval '1 second',
                   CASE WHEN g % 2 = 0 THEN now() - (g % {span}) * interval '1 second'
                        + (g % 90) * interval '1 minute' END,
                   0, now(), 'scene' || (g % {scenes}), g % 8 = 5,
                   now() - (g % {span}) * interval '1 second',
                   CASE WHEN g % 20 = 0 THEN 'A' WHEN g % 3 = 0 THEN 'B' ELSE 'C' END
            FROM generate_series(1, {leads}) g""",
        # Two runs a lead: at each step, done, or exited (a third became leads).
        f"""INSERT INTO journey_runs (journey, profile_id, status, step, due_at, active_key,
            trigger, started_at, ended_at, exit_reason)
            SELECT 'nurture', 1 + g % {profiles}, CASE WHEN g % 3 = 0 THEN 'active'
                        WHEN g % 3 = 1 THEN 'done' ELSE 'exited' END,
                   g % 3, now(), NULL, 'segment', now() - (g % {span}) * interval '1 second',
                   CASE WHEN g % 3 <> 0 THEN now() END,
                   CASE WHEN g % 3 = 2 THEN 'became a lead' END
            FROM generate_series(1, {leads * 2}) g""",
        f"""INSERT INTO lead_events (lead_id, kind, actor, from_state, to_state, owner, detail,
            created_at)
            SELECT 1 + g % {leads}, (ARRAY['created','assigned','note'])[1 + g % 3], 'system',
                   NULL, 'new', NULL, '备注 ' || g, now() - (g % {span}) * interval '1 second'
            FROM generate_series(1, {leads * 3}) g""",
        f"""INSERT INTO outbox (kind, target, payload, status, attempts, next_attempt_at,
            last_error, created_at, done_at)
            SELECT CASE WHEN g % 4 = 0 THEN 'lead.alert' ELSE 'wecom.text' END, 'sales',
                   '{{"lead_id": ' || g || ', "touser": "zhangsan", "task_id": "t' || g ||
                   '", "title": "线索 #' || g || '", "reason": "新线索", "fields": [["电话",
                   "13800138000"]], "messages": ["价格多少"], "text": "提醒"}}',
                   CASE WHEN g % 100 = 0 THEN 'failed' WHEN g % 50 = 1 THEN 'pending'
                        ELSE 'done' END,
                   1, now(), CASE WHEN g % 100 = 0 THEN 'errcode 60020' END,
                   now() - (g % {span}) * interval '1 second', now()
            FROM generate_series(1, {max(1000, leads * 2)}) g""",
        "SELECT setval('profiles_id_seq', (SELECT max(id) FROM profiles))",
        "SELECT setval('identities_id_seq', (SELECT max(id) FROM identities))",
        "SELECT setval('leads_id_seq', (SELECT max(id) FROM leads))",
        *channels_fill_sql(scenes, profiles, DAYS, SALES),
        "ANALYZE",
    ]


async def _recreate(server_url: str, name: str, drop_only: bool = False) -> str:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if not drop_only:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


async def build(url: str, profiles: int, events: int, leads: int, channels: int) -> None:
    await upgrade_schema(url)
    engine: AsyncEngine = create_async_engine(url)
    try:
        await publish_channels(create_session_factory(engine), channels, SALES)
        for statement in _fill_sql(profiles, events, leads, channels):
            started = time.perf_counter()
            async with engine.begin() as connection:
                await connection.execute(text(statement))
            what = " ".join(statement.split()[:3])[:40]
            print(f"  {what:<42}{time.perf_counter() - started:6.1f} s")
    finally:
        await engine.dispose()


PAGES = [
    "/admin/", "/admin/?days=90", "/admin/keywords/main", "/admin/keywords/main/history",
    "/admin/try", "/admin/outbox", "/admin/outbox?state=pending", "/admin/outbox?state=failed",
    "/admin/outbox?state=done", "/admin/outbox?state=all&before={job}",
    "/admin/leads", "/admin/leads?by=owner", "/admin/leads?state=new&age=7d&channel=scene3",
    "/admin/leads?tag=上海", "/admin/leads?grade=A", "/admin/leads/{lead}",
    "/admin/leads/{lead}?before={event}", "/admin/people/{profile}",
    "/admin/people/{profile}?before={entry}&said_before={said}", "/admin/people?q=上海",
    "/admin/people?q=%23{profile}", "/admin/people?q=13{phone:09d}",
    "/admin/people?q=o{profile:012d}", "/admin/audit", "/admin/users", "/admin/reports?days=1",
    "/admin/journeys", "/admin/journeys/nurture", *CHANNEL_PAGES,
]  # fmt: skip
# Searches that find one person answer with a redirect to the profile (measured too).
REDIRECTS = ("/admin/people?q=%23", "/admin/people?q=13", "/admin/people?q=o")


async def measure(url: str, runs: int, profiles: int, leads: int, only: str = "") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        keywords = Path(tmp) / "keywords.csv"
        keywords.write_text(
            "rule,trigger,match,keywords,reply\nprice,text,contains,价格,价格表\n", encoding="utf-8"
        )
        sales = "\n".join(f'[[leads.sales]]\nuserid = "{s}"\nname = "{s}"' for s in SALES)
        journeys = Path(tmp) / "journeys.toml"
        journeys.write_text(JOURNEYS, encoding="utf-8")
        config = Path(tmp) / "config.toml"
        config.write_text(
            CONFIG.format(
                url=url, keywords=keywords, sales=sales, key=SESSION_KEY, journeys=journeys
            ),
            encoding="utf-8",
        )
        settings = load_settings(config, {})
        app = create_app(settings, background=Background.nothing())
        async with TestClient(TestServer(app)) as client:
            await app[SITE].users.add(
                "bench", "ops", await hash_password(PASSWORD), "bench", utc_now()
            )
            login = await client.get("/admin/login")
            await client.post(
                "/admin/login",
                data={"name": "bench", "password": PASSWORD, "csrf": csrf_of(await login.text())},
            )
            print(f"{'page':<48}{'cold ms':>9}{'median ms':>11}{'worst ms':>10}")
            for template in (p for p in PAGES if p.startswith(only)):
                page = template.format(
                    lead=leads // 2, profile=profiles // 2, phone=(profiles // 6) * 3,
                    job=leads, event=leads, entry=2**31 - 1, said=2**31 - 1,
                )  # fmt: skip
                redirects = page.startswith(REDIRECTS)
                times = []
                for _ in range(runs + 1):
                    started = time.perf_counter()
                    response = await client.get(page, allow_redirects=not redirects)
                    await response.read()
                    times.append((time.perf_counter() - started) * 1000)
                    if response.status != (303 if redirects else 200):
                        raise RuntimeError(f"{page}: HTTP {response.status}")
                warm = times[1:]
                print(
                    f"{page:<48}{times[0]:>9.1f}{statistics.median(warm):>11.1f}{max(warm):>10.1f}"
                )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1.0: 1M profiles, 10M events, 100k leads"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--channels", type=int, help="channels to build (default: 1 000 times the scale)"
    )
    parser.add_argument("--only", default="", help="time only the pages whose path starts so")
    parser.add_argument("--name", default=DATABASE, help="the scratch database's name")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database a --keep run left"
    )
    args = parser.parse_args()
    profiles, events, leads = (
        max(10, int(n * args.scale)) for n in (1_000_000, 10_000_000, 100_000)
    )
    channels = args.channels or channel_count(args.scale)
    print(f"building {profiles:,} profiles, {events:,} events, {leads:,} leads,"
          f" {channels:,} channels in {args.name}")  # fmt: skip
    url = args.database_url.rsplit("/", 1)[0] + f"/{args.name}"
    if not args.reuse:
        url = await _recreate(args.database_url, args.name)
    try:
        if not args.reuse:
            started = time.perf_counter()
            await build(url, profiles, events, leads, channels)
            print(f"built in {time.perf_counter() - started:.0f} s")
        await measure(url, args.runs, profiles, leads, args.only)
    finally:
        if not (args.keep or args.reuse):
            await _recreate(args.database_url, args.name, drop_only=True)


if __name__ == "__main__":
    asyncio.run(main())
