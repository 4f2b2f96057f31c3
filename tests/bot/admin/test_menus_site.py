"""The account's menu on the admin site: the live menu on a phone, the editor (its form is
the menu file: a check says the CLI's words at the field; a publish is `MenuStore`'s),
the preview, try a follower, history and rollback, and who may do what."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.admin.catalogs import Lang, load_translations
from bot.admin.menu_editor import SOURCE, form_fields, menus_from_form, read_draft
from bot.admin.reader import Reader
from bot.app_keys import CACHE
from bot.config.settings import Settings
from bot.ops.limits import MENU_PUBLISH_LOCK_KEY
from fakewechat.state import FakeWeChat
from menus.menu_file import parse_menu_text
from menus.menu_format import format_menu_file
from tests.bot.admin.site_helpers import BotClient, add_user, sign_in, site_settings
from tests.bot.effects.tag_sync_helpers import tagging_config
from tests.conftest import APP_ID, ConfigWriter
from tests.menus_ops.conftest import KEYWORDS
from tests.menus_ops.menus import V1, V2

PAGE = "/admin/menus/main"


@pytest.fixture
def settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    return site_settings(write_config, extra=tagging_config(tmp_path), keywords=KEYWORDS)


class _Form(HTMLParser):
    """The editor's fields as a browser posts them (inputs, and each select's choice)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._inside = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._inside = found.get("id") == "menu-editor"
        if not self._inside:
            return
        name = found.get("name", "")
        if tag == "input" and name:
            self.fields[name] = found.get("value", "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in found:
            self.fields[self._select] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        elif tag == "select":
            self._select = None


def editor_fields(page: str) -> dict[str, str]:
    form = _Form()
    form.feed(page)
    assert form.fields, "the page has no menu editor"
    return form.fields


def _bar(phone: str) -> list[str]:
    """The names on a phone's bottom bar."""
    return re.findall(r'class="phone-button[^"]*">\s*<span translate="no">([^<]+)', phone)


async def _ops(bot: BotClient) -> str:
    await add_user(bot, "olga", "ops")
    return await sign_in(bot, "olga")


async def _publish(bot: BotClient, csrf: str, text: str, note: str = "") -> str:
    fields = form_fields(parse_menu_text(text).menus)
    response = await bot.post(
        f"{PAGE}/edit",
        data={**fields, "csrf": csrf, "action": "publish", "note": note},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    return response.headers["Location"]


@pytest.mark.parametrize("text", [V1, V2])
def test_the_form_is_the_menu_file(text: str) -> None:
    """Form fields → menus → file text gives the file back: the editor holds one format."""
    menus = parse_menu_text(text).menus
    assert menus_from_form(form_fields(menus)) == menus
    assert format_menu_file(read_draft(menus).menus) == format_menu_file(menus)


async def test_the_page_shows_the_live_menu_on_a_phone(bot: BotClient) -> None:
    csrf = await _ops(bot)
    empty = await (await bot.get(PAGE)).text()
    assert "还没有通过 wxbot 发布过菜单" in empty
    assert await _publish(bot, csrf, V1) == f"{PAGE}?published=1"
    page = await (await bot.get(f"{PAGE}?published=1")).text()
    assert "菜单第 1 版已在微信上线" in page
    live = page.split('id="live"')[1].split("</section>")[0]
    phone = live.split('id="live-phone-0"')[1].split('class="phone"')[0]
    # The bottom bar's top buttons, and the group's sub-buttons in its pop-up.
    assert _bar(phone) == ["价格", "服务"]
    assert re.findall(r'<li><span translate="no">([^<]+)', phone) == ["预约试驾", "看车型"]
    assert '个性化菜单 <span translate="no">high_intent</span>' in live
    assert '带标签 <span translate="no">高意向</span> 的粉丝' in live


async def test_publishing_from_the_site_is_the_clis_publish(
    bot: BotClient, fake_state: FakeWeChat
) -> None:
    csrf = await _ops(bot)
    await _publish(bot, csrf, V1)
    fields = editor_fields(await (await bot.get(PAGE)).text())
    assert fields["m0-b1-s0-name"] == "预约试驾"
    fields["m0-b1-s0-name"] = "预约到店"
    response = await bot.post(
        f"{PAGE}/edit", data={**fields, "csrf": csrf, "action": "publish"}, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    shown = fake_state.menus_of(APP_ID).default
    assert shown is not None
    assert [sub["name"] for sub in shown[1]["sub_button"]] == ["预约到店", "看车型"]
    history = await (await bot.get(f"{PAGE}/history")).text()
    assert "olga" in history and "来自管理后台" in history
    assert re.search(r"1 个按钮改动.*?main/服务/预约到店|default/服务/预约到店", history, re.S)
    audit = await (await bot.get("/admin/audit")).text()
    assert "发布公众号菜单" in audit and 'href="/admin/menus/main"' in audit


async def test_check_says_the_clis_words_at_the_field(bot: BotClient) -> None:
    csrf = await _ops(bot)
    await _publish(bot, csrf, V1)
    fields = editor_fields(await (await bot.get(PAGE)).text())
    fields["m0-b0-name"] = "价格价格价格价格"  # 24 bytes: a top-level name takes 16
    fields["m0-b0-key"] = ""
    response = await bot.post(f"{PAGE}/edit", data={**fields, "csrf": csrf, "action": "check"})
    assert response.status == 422
    page = await response.text()
    button = page.split('id="edit-m0-b0"')[1].split('id="edit-m0-b1"')[0]
    assert re.search(r'name="m0-b0-name" value="价格价格价格价格" class="bad"', button)
    assert re.search(r'name="m0-b0-key" value="" class="bad"', button)
    draft = read_draft(menus_from_form(fields))
    reader = Reader(Lang.ZH, load_translations()[Lang.ZH])
    english = Reader(Lang.EN, load_translations()[Lang.EN])
    assert len(draft.errors) == 2
    for problem in draft.errors:
        assert problem.source == SOURCE
        # The CLI's English, and the same sentence in Chinese on the page, at its field.
        assert english.words(problem.text) == problem.message
        assert str(reader.words_html(problem.text)) in button
    assert '「<span translate="no">价格价格价格价格</span>」有 24 字节' in button


async def test_a_publish_with_errors_is_refused_and_nothing_reaches_wechat(
    bot: BotClient, fake_state: FakeWeChat
) -> None:
    csrf = await _ops(bot)
    fields = editor_fields(await (await bot.get(PAGE)).text())
    response = await bot.post(f"{PAGE}/edit", data={**fields, "csrf": csrf, "action": "publish"})
    assert response.status == 422
    assert "按钮需要名称" in await response.text()
    assert fake_state.menus_of(APP_ID).default is None


async def test_a_click_key_nothing_answers_is_a_warning_by_its_field(bot: BotClient) -> None:
    csrf = await _ops(bot)
    await _publish(bot, csrf, V1)
    fields = editor_fields(await (await bot.get(PAGE)).text())
    fields["m0-b0-key"] = "MENU_NOBODY"
    response = await bot.post(f"{PAGE}/edit", data={**fields, "csrf": csrf, "action": "check"})
    assert response.status == 200
    page = await response.text()
    assert 'id="menu-checked"' in page
    button = page.split('id="edit-m0-b0"')[1].split('id="edit-m0-b1"')[0]
    assert '点击键值「<span translate="no">MENU_NOBODY</span>」' in button
    assert '<div class="problem warning">' in button


@pytest.mark.parametrize(
    ("action", "names"),
    [
        ("add:m0", ["价格", "服务", ""]),
        ("remove:m0-b0", ["服务"]),
        ("down:m0-b0", ["服务", "价格"]),
        ("up:m0-b1", ["服务", "价格"]),
        ("up:m0-b0", ["价格", "服务"]),
    ],
)
async def test_buttons_are_added_removed_and_moved(
    bot: BotClient, action: str, names: list[str]
) -> None:
    csrf = await _ops(bot)
    await _publish(bot, csrf, V1)
    fields = editor_fields(await (await bot.get(PAGE)).text())
    response = await bot.post(f"{PAGE}/edit", data={**fields, "csrf": csrf, "action": action})
    edited = menus_from_form(editor_fields(await response.text()))
    assert edited.default is not None
    assert [button.name for button in edited.default.buttons] == names


async def test_a_sub_button_added_to_a_button_takes_over_what_it_did(bot: BotClient) -> None:
    csrf = await _ops(bot)
    await _publish(bot, csrf, V1)
    fields = editor_fields(await (await bot.get(PAGE)).text())
    response = await bot.post(f"{PAGE}/edit", data={**fields, "csrf": csrf, "action": "add:m0-b0"})
    edited = menus_from_form(editor_fields(await response.text()))
    assert edited.default is not None
    group = edited.default.buttons[0]
    assert (group.name, group.type) == ("价格", "")
    assert [(b.name, b.type, b.key) for b in group.sub_buttons] == [("价格", "click", "MENU_PRICE")]


async def test_conditional_menus_are_added_and_reordered(bot: BotClient) -> None:
    csrf = await _ops(bot)
    await _publish(bot, csrf, V1)
    fields = editor_fields(await (await bot.get(PAGE)).text())
    page = await (
        await bot.post(f"{PAGE}/edit", data={**fields, "csrf": csrf, "action": "add_menu"})
    ).text()
    fields = editor_fields(page)
    fields |= {"m2-name": "iphone", "m2-platform": "ios", "m2-b0-name": "价格",
               "m2-b0-key": "MENU_PRICE"}  # fmt: skip
    page = await (
        await bot.post(f"{PAGE}/edit", data={**fields, "csrf": csrf, "action": "up:m2"})
    ).text()
    edited = menus_from_form(editor_fields(page))
    assert [menu.name for menu in edited.conditional] == ["iphone", "high_intent"]
    assert edited.conditional[0].match is not None
    assert edited.conditional[0].match.platform == "ios"


async def test_the_preview_draws_the_form_as_it_is(bot: BotClient) -> None:
    csrf = await _ops(bot)
    await _publish(bot, csrf, V1)
    fields = editor_fields(await (await bot.get(PAGE)).text())
    fields["m1-b0-name"] = "马上试驾"
    response = await bot.post(f"{PAGE}/preview", data={**fields, "csrf": csrf})
    assert response.status == 200
    phones = await response.text()
    assert 'id="draft-phone-1" hx-swap-oob="true"' in phones
    conditional = phones.split('id="draft-phone-1"')[1]
    assert '<span translate="no">马上试驾</span>' in conditional


async def test_try_a_follower_names_the_menu_they_see(
    bot: BotClient, fake_state: FakeWeChat
) -> None:
    csrf = await _ops(bot)
    await _publish(bot, csrf, V1)
    fake_state.add_follower(APP_ID, "o_fan")
    answer = await (await bot.post(f"{PAGE}/try", data={"csrf": csrf, "openid": "o_fan"})).text()
    assert "看到的是默认菜单" in answer
    [tag_id] = fake_state.accounts[APP_ID].tags
    fake_state.followers[(APP_ID, "o_fan")].tag_ids.append(tag_id)
    answer = await (await bot.post(f"{PAGE}/try", data={"csrf": csrf, "openid": "o_fan"})).text()
    assert '看到的是个性化菜单 <span translate="no">high_intent</span>' in answer
    assert _bar(answer) == ["预约试驾", "价格"]
    unknown = await (
        await bot.post(f"{PAGE}/try", data={"csrf": csrf, "openid": "o_nobody"})
    ).text()
    assert "微信无法回答" in unknown and "o_nobody does not follow main" in unknown


async def test_rollback_from_the_history(bot: BotClient, fake_state: FakeWeChat) -> None:
    csrf = await _ops(bot)
    await _publish(bot, csrf, V1)
    await _publish(bot, csrf, V2)
    history = await (await bot.get(f"{PAGE}/history")).text()
    assert 'action="/admin/menus/rollback/1"' in history
    response = await bot.post("/admin/menus/rollback/1", data={"csrf": csrf}, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == f"{PAGE}?published=3"
    conditional = fake_state.menus_of(APP_ID).conditional
    assert [menu.matchrule.get("tag_id") is not None for menu in conditional] == [True]
    history = await (await bot.get(f"{PAGE}/history")).text()
    assert "回滚到版本 1" in history


async def test_a_viewer_sees_the_menu_but_cannot_change_it(bot: BotClient) -> None:
    csrf = await _ops(bot)
    await _publish(bot, csrf, V1)
    await add_user(bot, "vera", "viewer")
    await bot.post("/admin/logout", data={"csrf": csrf})
    csrf = await sign_in(bot, "vera")
    page = await (await bot.get(PAGE)).text()
    assert 'id="live-phone-0"' in page and 'id="menu-editor"' not in page
    history = await (await bot.get(f"{PAGE}/history")).text()
    assert "/admin/menus/rollback/" not in history
    for path in (f"{PAGE}/edit", f"{PAGE}/preview", "/admin/menus/rollback/1"):
        response = await bot.post(path, data={"csrf": csrf, "action": "publish"})
        assert response.status == 403, path


async def test_the_editor_can_start_from_the_menu_wechat_shows(
    bot: BotClient, fake_state: FakeWeChat
) -> None:
    """A menu made elsewhere (another tool, before wxbot) is read into the editor."""
    csrf = await _ops(bot)
    fake_state.menus_of(APP_ID).default = [
        {"type": "click", "name": "老菜单", "key": "OLD_KEY"},
        {"type": "view", "name": "官网", "url": "https://example.com/"},
    ]
    fields = editor_fields(await (await bot.get(PAGE)).text())
    page = await (
        await bot.post(f"{PAGE}/edit", data={**fields, "csrf": csrf, "action": "pull"})
    ).text()
    assert 'id="menu-pulled"' in page
    pulled = menus_from_form(editor_fields(page))
    assert pulled.default is not None
    assert [(b.name, b.type) for b in pulled.default.buttons] == [
        ("老菜单", "click"),
        ("官网", "view"),
    ]
    # Nothing is published by reading: the live menu is still none.
    assert "还没有通过 wxbot 发布过菜单" in page


async def test_a_refusal_by_wechat_or_a_publish_under_way_is_said_and_keeps_the_draft(
    bot: BotClient, fake_state: FakeWeChat
) -> None:
    csrf = await _ops(bot)
    await _publish(bot, csrf, V1)
    fields = editor_fields(await (await bot.get(PAGE)).text())
    fields["m0-b0-name"] = "价格表"
    fake_state.inject("/cgi-bin/menu/addconditional", errcode=65305)
    refused = await bot.post(f"{PAGE}/edit", data={**fields, "csrf": csrf, "action": "publish"})
    assert refused.status == 502
    page = await refused.text()
    assert "微信没有接受这份菜单" in page and "65305" in page
    assert editor_fields(page)["m0-b0-name"] == "价格表"  # nothing typed is lost
    await bot.app[CACHE].set_if_absent(f"{MENU_PUBLISH_LOCK_KEY}:main", "dave:1", 60)
    busy = await bot.post(f"{PAGE}/edit", data={**fields, "csrf": csrf, "action": "publish"})
    assert busy.status == 409
    assert "有人正在发布这个公众号的菜单" in await busy.text()
    history = await (await bot.get(f"{PAGE}/history")).text()
    assert 'data-version="2"' not in history


async def test_a_long_note_is_cut_to_what_a_version_holds(bot: BotClient) -> None:
    csrf = await _ops(bot)
    assert await _publish(bot, csrf, V1, note="备" * 300) == f"{PAGE}?published=1"
    history = await (await bot.get(f"{PAGE}/history")).text()
    assert "备" * 256 in history and "备" * 257 not in history


async def test_a_default_menu_with_every_button_removed_stays_on_the_form(
    bot: BotClient,
) -> None:
    csrf = await _ops(bot)
    await _publish(bot, csrf, V1)
    fields = editor_fields(await (await bot.get(PAGE)).text())
    for action in ("remove:m0-b0", "remove:m0-b0"):
        page = await (
            await bot.post(f"{PAGE}/edit", data={**fields, "csrf": csrf, "action": action})
        ).text()
        fields = editor_fields(page)
    assert fields["m0-n"] == "0" and fields["m1-name"] == "high_intent"
    checked = await bot.post(f"{PAGE}/edit", data={**fields, "csrf": csrf, "action": "check"})
    assert checked.status == 422
    page = await checked.text()
    # The conditional menu is still the conditional one, with its problems at its fields.
    assert editor_fields(page)["m1-name"] == "high_intent"
    assert "有个性化菜单就必须先有默认菜单" in page


async def test_the_live_menu_downloads_as_the_file_the_cli_reads(bot: BotClient) -> None:
    csrf = await _ops(bot)
    assert (await bot.get(f"{PAGE}/export")).status == 404
    await _publish(bot, csrf, V1)
    response = await bot.get(f"{PAGE}/export")
    assert response.status == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="menus-main.toml"'
    parsed = parse_menu_text(await response.text())
    assert parsed.problems == ()
    assert parsed.menus == parse_menu_text(V1).menus
