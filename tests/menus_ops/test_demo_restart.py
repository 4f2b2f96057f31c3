"""The demo's fake WeChat gets the live menu back when the demo starts again."""

from __future__ import annotations

from bot.app import Background, create_app
from menus.menu_file import parse_menu_text
from menus.menu_format import format_menu_file
from storage.database import SessionFactory
from storage.tables import versions
from tests.conftest import APP_ID, APP_SECRET, ClientFactory, ConfigWriter
from tests.menus_ops.menus import V1


async def test_the_demo_fake_shows_the_live_menu_after_a_restart(
    write_config: ConfigWriter, sessions: SessionFactory, aiohttp_client: ClientFactory
) -> None:
    settings = write_config(extra="[server]\nmount_fake_api = true\n")
    menus = parse_menu_text(V1).menus
    await versions.publish_version(
        sessions,
        versions.NewVersion("menus", "main", format_menu_file(menus), 5, "alice", "v1"),
    )
    bot = await aiohttp_client(create_app(settings, background=Background.nothing()))
    body = {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET}
    token = (await (await bot.post("/_fake/cgi-bin/stable_token", json=body)).json())[
        "access_token"
    ]
    answer = await (await bot.get("/_fake/cgi-bin/menu/get", params={"access_token": token})).json()
    assert [b["name"] for b in answer["menu"]["button"]] == ["价格", "服务"]
    [conditional] = answer["conditionalmenu"]
    assert [b["name"] for b in conditional["button"]] == ["预约试驾", "价格"]
    tags = await (await bot.get("/_fake/cgi-bin/tags/get", params={"access_token": token})).json()
    names = {tag["id"]: tag["name"] for tag in tags["tags"]}
    assert names[int(conditional["matchrule"]["tag_id"])] == "高意向"
