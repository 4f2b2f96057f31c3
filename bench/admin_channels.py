"""The channels of bench/admin.py's data set: 1 000 at scale 1 (keys `scene0`…, the QR
scenes the generated events and leads carry), published as the live table as ops would,
with their codes in the directory, `DAYS` days of figures (`channel_days`, per staff
member for WeCom codes) and the member rows of the people they brought.

`CHANNEL_PAGES` are the channel pages `python -m bench.admin` times on this set (the list,
its later pages, a channel with a contact-me code and one without, the edit form over
the whole published table); `--only /admin/channels` times them alone, and `--channels`
builds 1 000 channels at a smaller scale of people and events:

    python -m bench.admin --scale 0.1 --channels 1000 --only /admin/channels
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.ops.channel_ops import listed
from bot.runtime.channels import KIND, SCOPE
from channels.table_file import ChannelContext, parse_channels
from storage.channels.directory import sync_directory
from storage.database import SessionFactory
from storage.tables.versions import NewVersion, publish_version
from storage.types import utc_now

CHANNEL_PAGES = [
    "/admin/channels", "/admin/channels?days=90", "/admin/channels?days=7&after=scene500",
    "/admin/channels/scene4", "/admin/channels/scene4?days=90", "/admin/channels/scene7",
    "/admin/channels/scene4/edit",
]  # fmt: skip
GROUPS = ("线下活动", "门店", "广告", "地推", "合作伙伴")
CHANNELS_PER_SCALE = 1000


def channel_count(scale: float) -> int:
    return max(12, int(CHANNELS_PER_SCALE * scale))


def channels_toml(count: int, sales: Sequence[str]) -> str:
    """A table of `count` channels: each a QR code (every third temporary), every other one
    a contact-me code with a weekday rota, a cap and backups, some a welcome and a cost."""
    blocks = []
    for n in range(count):
        lines = [
            "[[channel]]",
            f'key = "scene{n}"',
            f'name = "渠道{n:04d}"',
            f'group = "{GROUPS[n % len(GROUPS)]}"',
            f'tags = ["渠道:{GROUPS[n % len(GROUPS)]}"]',
            f"points = {10 + n % 3 * 5}",
            *([f"cost = {1000 * (1 + n % 20)}"] if n % 5 == 0 else []),
            "  [channel.qr]",
            '  account = "main"',
            f'  kind = "{"temporary" if n % 3 == 0 else "permanent"}"',
        ]
        if n % 2 == 0:
            on_shift = [sales[n % len(sales)], sales[(n + 1) % len(sales)]]
            lines += [
                "  [channel.wecom]",
                '  app = "sales"',
                "  cap = 30",
                f'  backups = ["{sales[(n + 2) % len(sales)]}"]',
                "    [[channel.wecom.shift]]",
                '    days = ["mon", "tue", "wed", "thu", "fri"]',
                '    hours = "09:00-18:00"',
                f"    staff = {on_shift!r}".replace("'", '"'),
            ]
        if n % 4 == 0:
            lines += ["  [channel.welcome]", f'  text = "{{name}}您好，欢迎来自渠道{n:04d}！"']
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


async def publish_channels(sessions: SessionFactory, count: int, sales: Sequence[str]) -> None:
    """Publish the table as the live version and bring the directory in line with it."""
    text = channels_toml(count, sales)
    context = ChannelContext(("main",), ("sales",), frozenset(sales))
    parsed = parse_channels(text, "bench-channels.toml", context)
    if parsed.errors:
        raise RuntimeError(f"the bench's channel table has errors: {parsed.errors[0]}")
    new = NewVersion(KIND, SCOPE, text, count, "bench", f"{count} added", "bench.admin")
    await publish_version(sessions, new)
    await sync_directory(sessions, listed(parsed.table), utc_now())


def channels_fill_sql(count: int, profiles: int, days: int, sales: Sequence[str]) -> list[str]:
    """The codes, the daily figures and the members, generated server-side."""
    staff = "ARRAY[" + ",".join(f"'{s}'" for s in sales) + "]"
    today = "(now() AT TIME ZONE 'Asia/Shanghai')::date"
    return [
        f"""UPDATE channels SET
              qr_ticket = 'gQbench' || id, qr_url = 'http://weixin.qq.com/q/bench' || id,
              qr_expires_at = CASE WHEN qr_kind = 'temporary'
                                   THEN now() + (id % 30) * interval '1 day' END,
              way_config_id = CASE WHEN way_app IS NOT NULL THEN 'cfg' || id END,
              way_qr_url = CASE WHEN way_app IS NOT NULL
                                THEN 'https://wework.qpic.cn/bench/' || id END,
              way_users = CASE WHEN way_app IS NOT NULL
                               THEN ({staff})[1 + id % {len(sales)}] END""",
        # All staff together: the official account's counts, tagged and leads.
        f"""INSERT INTO channel_days (channel, day, staff, scans, follows, refollows, unfollows,
            adds, deleted_by_staff, deleted_by_customer, tagged, leads, claimed, won)
            SELECT 'scene' || c, to_char({today} - d, 'YYYY-MM-DD'), '',
                   (c * 7 + d * 13) % 40, (c * 5 + d * 3) % 25, (c + d) % 4, (c + d * 7) % 6,
                   0, 0, 0, (c * 3 + d) % 12, (c + d * 5) % 5, 0, 0
            FROM generate_series(0, {count - 1}) c, generate_series(0, {days - 1}) d""",
        # WeCom codes (every other channel), per staff member: adds, deletions, claims, wins.
        f"""INSERT INTO channel_days (channel, day, staff, scans, follows, refollows, unfollows,
            adds, deleted_by_staff, deleted_by_customer, tagged, leads, claimed, won)
            SELECT 'scene' || c, to_char({today} - d, 'YYYY-MM-DD'), s, 0, 0, 0, 0,
                   (c + d + length(s)) % 9, (c + d) % 2, (c * d) % 3, 0, 0,
                   (c + d) % 3, (c + d * 11) % 7 / 6
            FROM generate_series(0, {count - 1}, 2) c, generate_series(0, {days - 1}) d,
                 unnest({staff}) s""",
        # Six people in ten came through a code: the channel of their first touch.
        f"""INSERT INTO channel_members (profile_id, channel, arrived_at, tagged_at)
            SELECT g, 'scene' || (g % {count}), now() - (g % {days * 86400}) * interval '1 second',
                   CASE WHEN g % 3 = 0 THEN now() - (g % {days * 86400}) * interval '1 second'
                        + interval '1 hour' END
            FROM generate_series(1, {profiles}) g WHERE g % 10 < 6""",
    ]
