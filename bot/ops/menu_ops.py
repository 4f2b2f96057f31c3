"""What ops do with the official account's menu, for the CLI (and the admin site next).

A menu lives at WeChat, so publishing is WeChat's calls first (`menu/create`, then
`menu/addconditional` for each conditional menu, then `menu/delconditional` for
the ones they replace), and only once WeChat took it all a new version in the
ops-table history (`storage.tables`, kind "menus", audited with who, when and
what). Rollback publishes an old version again; pull reads what WeChat shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from bot.config.settings import Settings
from bot.effects.tag_ids import OaTagIds
from bot.errors import WxbotError
from bot.ops.limits import HISTORY_LIMIT, MENU_PUBLISH_LOCK_KEY, MENU_PUBLISH_LOCK_TTL_S
from bot.ops.menu_rules import rules_behind
from keywords.problems import Problem
from menus.cross_check import cross_check
from menus.diff import MenuDiff, diff_menus
from menus.menu_file import ParsedMenus, parse_menu_text
from menus.menu_format import format_menu_file
from menus.model import Button, Menu, MenuSet
from menus.wechat_json import (
    PulledMenus,
    buttons_from_json,
    buttons_json,
    match_json,
    menus_from_api,
    menus_from_console,
    named_as,
    which_menu,
)
from storage.cache import Cache
from storage.database import SessionFactory
from storage.profile_lookup import find_profile
from storage.profile_tags import tags_of
from storage.tables import versions
from wxapi.errors import ApiError, TransportError
from wxapi.menus import NO_MENU, MenuApi
from wxapi.official_account import OfficialAccountClient

MENU_KIND = "menus"
NOT_FOUND = 404
CONFLICT = 409
INVALID = 422
REFUSED = 502  # WeChat answered with an error code: the menu, not the service
UNREACHABLE = 503
_GONE = 65301  # delconditional of a menu that is not there (any more): nothing to do
_NO_SUCH_USER = 65302  # trymatch of an openid the account does not know


class MenuOpsError(WxbotError):
    """A menu operation that cannot be done; `status` says whose it is (see the CLI)."""

    def __init__(self, status: int, message: str, problems: tuple[Problem, ...] = ()) -> None:
        self.status = status
        self.message = message
        self.problems = problems
        super().__init__(message)


@dataclass(frozen=True)
class PublishedMenu:
    """A version that went live at WeChat, what it changed, and its warnings."""

    version: versions.Version
    diff: MenuDiff
    warnings: tuple[Problem, ...]


@dataclass(frozen=True)
class LiveMenu:
    """The live version of an account's menu."""

    version: versions.Version
    menus: MenuSet


@dataclass(frozen=True)
class Trial:
    """The buttons WeChat shows one follower, and which menu of the live version they are."""

    openid: str
    buttons: tuple[Button, ...]
    menu: Menu | None
    # Conditional menus tried before the one shown whose tag the follower has in wxbot.
    passed_over: tuple[Menu, ...] = ()


@dataclass(frozen=True)
class MenuStore:
    """The dependencies of every menu operation."""

    settings: Settings
    sessions: SessionFactory
    cache: Cache
    clients: Mapping[str, OfficialAccountClient]

    def account(self, name: str | None) -> str:
        return configured_account(self.settings, name)

    async def check(self, account: str, parsed: ParsedMenus) -> tuple[Problem, ...]:
        return await check_menu(self.settings, self.sessions, account, parsed)

    async def publish(
        self,
        account: str,
        parsed: ParsedMenus,
        by: str,
        note: str = "",
        *,
        from_version: int | None = None,
    ) -> PublishedMenu:
        """Make `parsed` the menu at WeChat and record it, or refuse it with every error."""
        if parsed.errors:
            raise MenuOpsError(INVALID, "the menu has errors", parsed.problems)
        menus = parsed.menus
        live = await self.live(account)
        diff = diff_menus(live.menus if live else MenuSet(), menus)
        problems = await self.check(account, parsed)
        warnings = tuple(p for p in problems if p not in parsed.errors)
        new = versions.NewVersion(
            kind=MENU_KIND,
            scope=account,
            body=format_menu_file(menus),
            item_count=sum(1 for menu in menus.menus for _ in menu.leaves()),
            created_by=by,
            summary=diff.summary(),
            note=note,
            action="publish" if from_version is None else "rollback",
            # The names for the audit log, as keyword publishes give theirs: menus by
            # name, buttons by "menu/group/name".
            changes={
                "added": [*diff.menus_added, *diff.added],
                "removed": [*diff.menus_removed, *diff.removed],
                "changed": [*diff.rules_changed, *diff.changed],
            },
            from_version=from_version,
        )
        # Recorded under the lock too, so the live version is the one WeChat got last.
        async with self._publishing(account, by):
            await self._apply(account, menus)
            version = await versions.publish_version(self.sessions, new)
        return PublishedMenu(version, diff, warnings)

    async def rollback(self, number: int, by: str) -> PublishedMenu:
        """Publish an old version's menu again, as a new version."""
        stored = await versions.get_version(self.sessions, MENU_KIND, number)
        if stored is None:
            raise MenuOpsError(NOT_FOUND, f"there is no menu version {number}")
        parsed = parse_menu_text(stored.body, f"version {number}")
        account = self.account(stored.version.scope)
        return await self.publish(
            account, parsed, by, f"rollback to version {number}", from_version=number
        )

    async def history(self, account: str | None = None) -> list[versions.Version]:
        return await versions.list_versions(self.sessions, MENU_KIND, account, HISTORY_LIMIT)

    async def live(self, account: str) -> LiveMenu | None:
        """The account's live version, None while nothing was published through wxbot."""
        stored = await versions.live_version(self.sessions, MENU_KIND, account)
        if stored is None:
            return None
        parsed = await asyncio.to_thread(
            parse_menu_text, stored.body, f"version {stored.version.number}"
        )
        return LiveMenu(stored.version, parsed.menus)

    async def pull(self, account: str) -> PulledMenus:
        """What WeChat shows now: `menu/get` (API menus), else `get_current_selfmenu_info`."""
        client = self._client(account)
        api = MenuApi(client)
        async with self._wechat(account):
            answer = await api.get()
            if answer is not None:
                tags = {tag.tag_id: tag.name for tag in await client.list_tags()}
                live = await self.live(account)
                pulled = menus_from_api(answer, tags)
                return PulledMenus(named_as(pulled, live.menus) if live else pulled)
            current = await api.current()
        if not current.get("is_menu_open"):
            return PulledMenus(MenuSet(), ("the account shows no custom menu",))
        return menus_from_console(current)

    async def try_follower(self, account: str, openid: str) -> Trial:
        """The menu `openid` sees, as WeChat's `menu/trymatch` says."""
        api = MenuApi(self._client(account))
        refusals = {NO_MENU: f"{account} shows no custom menu",
                    _NO_SUCH_USER: f"{openid} does not follow {account}"}  # fmt: skip
        async with self._wechat(account, refusals):
            buttons = buttons_from_json(await api.try_match(openid))
        live = await self.live(account)
        if live is None:
            return Trial(openid, buttons, None)
        shown = which_menu(live.menus, buttons)
        tags = await self._tags_of(openid)
        tried = live.menus.conditional
        if shown is not None and shown.conditional:
            tried = tried[: tried.index(shown)]
        passed = tuple(m for m in tried if m.match is not None and m.match.tag in tags)
        return Trial(openid, buttons, shown, passed)

    async def _tags_of(self, openid: str) -> set[str]:
        async with self.sessions() as session:
            profile_id = await find_profile(session, openid)
            if profile_id is None:
                return set()
            return {tag.tag for tag in await tags_of(session, profile_id)}

    def _client(self, account: str) -> OfficialAccountClient:
        return self.clients[self.account(account)]

    @contextlib.asynccontextmanager
    async def _wechat(
        self, account: str, not_found: Mapping[int, str] | None = None
    ) -> AsyncIterator[None]:
        """WeChat's errors as ops errors: refused (an error code) or unreachable; the codes in
        `not_found` say that what was asked for is not there."""
        try:
            yield
        except TransportError as exc:
            configured = self.settings.account(account)
            where = configured.api_base if configured else "WeChat"
            # The demo's fake API is served by the bot itself: nothing answering there
            # means the bot is not running, not that WeChat is down.
            hint = ": is `wxbot serve` running?" if self.settings.server.mount_fake_api else ""
            raise MenuOpsError(
                UNREACHABLE, f"WeChat at {where}: {exc.errmsg} ({exc.endpoint}){hint}"
            ) from None
        except ApiError as exc:
            if not_found and exc.errcode in not_found:
                raise MenuOpsError(NOT_FOUND, not_found[exc.errcode]) from None
            status = UNREACHABLE if exc.retryable or exc.errcode < 0 else REFUSED
            raise MenuOpsError(status, f"WeChat: {exc}") from None

    @contextlib.asynccontextmanager
    async def _publishing(self, account: str, by: str) -> AsyncIterator[None]:
        key = f"{MENU_PUBLISH_LOCK_KEY}:{account}"
        token = f"{by}:{uuid.uuid4().hex}"
        if not await self.cache.set_if_absent(key, token, MENU_PUBLISH_LOCK_TTL_S):
            holder = (await self.cache.get(key) or "someone:").split(":")[0]
            raise MenuOpsError(
                CONFLICT, f"{holder} is publishing {account}'s menu right now; try again"
            )
        try:
            yield
        finally:
            await self.cache.delete_if_equals(key, token)

    async def _apply(self, account: str, menus: MenuSet) -> None:
        """WeChat's calls: the default menu, the new conditional menus, then away with the old.

        Conditional menus go out last to first: WeChat tries the newest first, so the
        file's first menu is tried first. The old ones go only after the new ones are
        in, so no follower falls back to the default menu in between.
        """
        client = self._client(account)
        api = MenuApi(client)
        assert menus.default is not None  # noqa: S101 - a menu without errors has one
        configured = self.settings.account(account)
        assert configured is not None  # noqa: S101 - `_client` checked the name
        ids = OaTagIds(client, self.cache, configured.app_id)
        async with self._wechat(account):
            tag_ids = {
                m.match.tag: await self._tag_id(ids, m.match.tag)
                for m in menus.conditional
                if m.match is not None and m.match.tag
            }
            before = await api.get()
            old = [int(m["menuid"]) for m in (before or {}).get("conditionalmenu", [])]
            await api.create(buttons_json(menus.default.buttons))
            added: list[int] = []
            try:
                for menu in reversed(menus.conditional):
                    assert menu.match is not None  # noqa: S101 - conditional menus have rules
                    added.append(
                        await api.add_conditional(
                            buttons_json(menu.buttons), match_json(menu.match, tag_ids)
                        )
                    )
            except ApiError:
                await _delete_all(api, added)  # leave the conditional menus as they were
                raise
            await _delete_all(api, old)

    @staticmethod
    async def _tag_id(ids: OaTagIds, tag: str) -> int:
        """The tag's id at WeChat, made there when missing (wxbot's tag sync uses the same)."""
        found = await ids.id_of(tag, create=True)
        assert found is not None  # noqa: S101 - id_of(create=True) returns an id or raises
        return found


def configured_account(settings: Settings, name: str | None) -> str:
    """`name` if it is a configured account (None: the first one), else an error."""
    known = [account.name for account in settings.wechat]
    if name is None and known:
        return known[0]
    if name in known:
        return name
    wanted = f" {name!r}" if name else ""
    raise MenuOpsError(
        NOT_FOUND,
        f"no [[wechat]] account{wanted} in {settings.source} (known: {', '.join(known) or 'none'})",
    )


async def check_menu(
    settings: Settings, sessions: SessionFactory | None, account: str, parsed: ParsedMenus
) -> tuple[Problem, ...]:
    """The file's own problems, then the warnings of the rules behind its buttons (without
    a database, the configured keyword files stand for the live tables)."""
    behind = await rules_behind(settings, sessions, account)
    return (*parsed.problems, *cross_check(parsed.menus, parsed.source, behind))


async def _delete_all(api: MenuApi, menuids: list[int]) -> None:
    for menuid in menuids:
        try:
            await api.delete_conditional(menuid)
        except ApiError as exc:
            if exc.errcode != _GONE:
                raise
