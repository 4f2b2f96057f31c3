"""The official account's custom-menu API: default and conditional menus, trymatch.

Menus travel as WeChat's JSON (`button` arrays, `matchrule` objects): turning them
into ops' menu tables is the `menus` package's job. Paths and answers follow
developers.weixin.qq.com/doc/service/api/custommenu/.
"""

from __future__ import annotations

from typing import Any, Final

from wxapi.errors import ApiError
from wxapi.official_account import OfficialAccountClient
from wxapi.transport import JsonDict

# `menu/get` when no menu was made through the API (a console menu, or none).
NO_MENU: Final = 46003


class MenuApi:
    """Menu calls of one official account, through its client (and its shared token)."""

    def __init__(self, client: OfficialAccountClient) -> None:
        self._client = client

    async def create(self, buttons: list[JsonDict]) -> None:
        """`menu/create`: replace the default menu."""
        await self._client.call("POST", "/cgi-bin/menu/create", payload={"button": buttons})

    async def get(self) -> JsonDict | None:
        """`menu/get`: the menus made through the API (`menu`, `conditionalmenu`); None if none."""
        try:
            return await self._client.call("GET", "/cgi-bin/menu/get")
        except ApiError as exc:
            if exc.errcode == NO_MENU:
                return None
            raise

    async def current(self) -> JsonDict:
        """`get_current_selfmenu_info`: what is live, made through the API or in the console."""
        return await self._client.call("GET", "/cgi-bin/get_current_selfmenu_info")

    async def delete(self) -> None:
        """`menu/delete`: the default menu and every conditional menu."""
        await self._client.call("GET", "/cgi-bin/menu/delete")

    async def add_conditional(self, buttons: list[JsonDict], matchrule: JsonDict) -> int:
        """`menu/addconditional`; the new menu's id."""
        data = await self._client.call(
            "POST",
            "/cgi-bin/menu/addconditional",
            payload={"button": buttons, "matchrule": matchrule},
        )
        return int(data["menuid"])

    async def delete_conditional(self, menuid: int) -> None:
        """`menu/delconditional` of one conditional menu."""
        await self._client.call(
            "POST", "/cgi-bin/menu/delconditional", payload={"menuid": str(menuid)}
        )

    async def try_match(self, user_id: str) -> list[JsonDict]:
        """`menu/trymatch`: the buttons a follower (openid or WeChat ID) sees."""
        data = await self._client.call(
            "POST", "/cgi-bin/menu/trymatch", payload={"user_id": user_id}
        )
        buttons: Any = data.get("button", [])
        return list(buttons) if isinstance(buttons, list) else []
