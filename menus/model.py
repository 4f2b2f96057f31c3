"""The vocabulary of a menu table: buttons, menus and match rules, as frozen values.

Values keep what ops wrote, even when it is wrong (an unknown type stays a string),
so one set of checks (`menus.checks`) can say what is wrong with a file, an edited
form or a menu pulled from WeChat alike. Line numbers ride along outside equality.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class ButtonType(StrEnum):
    """What a button does; WeChat's `type` values (api_createcustommenu)."""

    CLICK = "click"  # a CLICK event with the key
    VIEW = "view"  # opens the URL; a VIEW event with the URL
    MINIPROGRAM = "miniprogram"  # opens a mini program page; view_miniprogram event
    SCANCODE_PUSH = "scancode_push"  # the scanner; the event carries the key
    SCANCODE_WAITMSG = "scancode_waitmsg"  # the scanner, then "消息接收中"
    PIC_SYSPHOTO = "pic_sysphoto"  # the camera
    PIC_PHOTO_OR_ALBUM = "pic_photo_or_album"  # camera or album
    PIC_WEIXIN = "pic_weixin"  # WeChat's album
    LOCATION_SELECT = "location_select"  # the location picker
    MEDIA_ID = "media_id"  # WeChat sends a permanent material itself: no event
    ARTICLE_ID = "article_id"  # WeChat sends a published article itself: no event
    ARTICLE_VIEW_LIMITED = "article_view_limited"  # opens a published article: no event

    @property
    def needs(self) -> tuple[str, ...]:
        """The fields a button of this type must have."""
        return _NEEDS[self]

    @property
    def event(self) -> str | None:
        """The callback event a tap sends us (lower case), None when WeChat answers itself."""
        return _EVENTS.get(self)


_KEYED = ("key",)
_NEEDS: dict[ButtonType, tuple[str, ...]] = {
    ButtonType.CLICK: _KEYED,
    ButtonType.VIEW: ("url",),
    # `url` is what clients too old for mini programs open instead.
    ButtonType.MINIPROGRAM: ("url", "appid", "pagepath"),
    ButtonType.SCANCODE_PUSH: _KEYED,
    ButtonType.SCANCODE_WAITMSG: _KEYED,
    ButtonType.PIC_SYSPHOTO: _KEYED,
    ButtonType.PIC_PHOTO_OR_ALBUM: _KEYED,
    ButtonType.PIC_WEIXIN: _KEYED,
    ButtonType.LOCATION_SELECT: _KEYED,
    ButtonType.MEDIA_ID: ("media_id",),
    ButtonType.ARTICLE_ID: ("article_id",),
    ButtonType.ARTICLE_VIEW_LIMITED: ("article_id",),
}
_EVENTS: dict[ButtonType, str] = {
    ButtonType.CLICK: "click",
    ButtonType.VIEW: "view",
    ButtonType.MINIPROGRAM: "view_miniprogram",
    ButtonType.SCANCODE_PUSH: "scancode_push",
    ButtonType.SCANCODE_WAITMSG: "scancode_waitmsg",
    ButtonType.PIC_SYSPHOTO: "pic_sysphoto",
    ButtonType.PIC_PHOTO_OR_ALBUM: "pic_photo_or_album",
    ButtonType.PIC_WEIXIN: "pic_weixin",
    ButtonType.LOCATION_SELECT: "location_select",
}
# The fields a button may carry besides name, type and sub-buttons, in file order.
VALUE_FIELDS = ("key", "url", "appid", "pagepath", "media_id", "article_id")


def button_type(raw: str) -> ButtonType | None:
    """The type named `raw`, None when WeChat has no such type."""
    try:
        return ButtonType(raw)
    except ValueError:
        return None


@dataclass(frozen=True)
class Button:
    """One button. A group (a top-level button that opens sub-buttons) has no `type`."""

    name: str
    type: str = ""
    key: str = ""
    url: str = ""
    appid: str = ""
    pagepath: str = ""
    media_id: str = ""
    article_id: str = ""
    sub_buttons: tuple[Button, ...] = ()
    line: int = field(default=0, compare=False)
    # Field name → line, where the file said so (problems point at the field's line).
    lines: tuple[tuple[str, int], ...] = field(default=(), compare=False)

    @classmethod
    def with_values(
        cls,
        name: str,
        type: str,
        values: Mapping[str, str],
        sub_buttons: tuple[Button, ...] = (),
        *,
        line: int = 0,
        lines: tuple[tuple[str, int], ...] = (),
    ) -> Button:
        """A button from its `VALUE_FIELDS` by name (absent ones are blank)."""
        return cls(
            name, type, values.get("key", ""), values.get("url", ""), values.get("appid", ""),
            values.get("pagepath", ""), values.get("media_id", ""), values.get("article_id", ""),
            sub_buttons, line, lines,
        )  # fmt: skip

    @property
    def kind(self) -> ButtonType | None:
        return button_type(self.type)

    @property
    def is_group(self) -> bool:
        return not self.type and bool(self.sub_buttons)

    def value(self, name: str) -> str:
        """One of `VALUE_FIELDS` by name."""
        text: str = getattr(self, name)
        return text

    def line_of(self, name: str) -> int:
        """The line of field `name`, else the button's own line."""
        return dict(self.lines).get(name, self.line)

    @property
    def signal_key(self) -> str:
        """What a tap's event carries as EventKey: the key, the URL (view) or page path."""
        kind = self.kind
        if kind is ButtonType.VIEW:
            return self.url
        if kind is ButtonType.MINIPROGRAM:
            return self.pagepath
        return self.key


class Platform(StrEnum):
    """`client_platform_type`: WeChat's numbers are "1" iOS, "2" Android, "3" others."""

    IOS = "ios"
    ANDROID = "android"
    OTHER = "other"

    @property
    def wechat(self) -> str:
        return {Platform.IOS: "1", Platform.ANDROID: "2", Platform.OTHER: "3"}[self]

    @classmethod
    def from_wechat(cls, value: str) -> Platform | None:
        return {"1": cls.IOS, "2": cls.ANDROID, "3": cls.OTHER}.get(value)


# Match fields WeChat refuses since its privacy change (65320 on create; rules made
# before no longer match): api_addconditionalmenu, "不再支持对性别、地区、语言…进行筛选".
PRIVATE_MATCH_FIELDS = ("sex", "country", "province", "city", "language")


@dataclass(frozen=True)
class MatchRule:
    """Who sees a conditional menu: a tag wxbot mirrors to WeChat, and/or a platform.

    `tag_id` is set only for a rule pulled from WeChat whose tag id no tag name
    matches. `private` keeps refused fields (sex, region, language) a pulled
    menu may still have, so the check can say so.
    """

    tag: str = ""
    tag_id: int | None = None
    platform: str = ""
    private: tuple[tuple[str, str], ...] = ()
    line: int = field(default=0, compare=False)
    lines: tuple[tuple[str, int], ...] = field(default=(), compare=False)

    @property
    def empty(self) -> bool:
        return not (self.tag or self.tag_id is not None or self.platform or self.private)

    def line_of(self, name: str) -> int:
        return dict(self.lines).get(name, self.line)


DEFAULT_MENU = "default"


@dataclass(frozen=True)
class Menu:
    """The default menu (`match` None) or a conditional menu with its name and rule."""

    name: str
    buttons: tuple[Button, ...]
    match: MatchRule | None = None
    line: int = field(default=0, compare=False)

    @property
    def conditional(self) -> bool:
        return self.match is not None

    def leaves(self) -> Iterator[tuple[Button | None, Button]]:
        """Every button a follower can tap, with its group (None at the top level)."""
        for button in self.buttons:
            if button.sub_buttons:
                for sub in button.sub_buttons:
                    yield button, sub
            else:
                yield None, button


@dataclass(frozen=True)
class MenuSet:
    """An account's whole menu: the default menu and the conditional ones in match order.

    WeChat tries conditional menus newest first; wxbot publishes them in reverse, so
    here the first conditional menu whose rule fits a follower is the one shown.
    """

    default: Menu | None = None
    conditional: tuple[Menu, ...] = ()

    @property
    def menus(self) -> tuple[Menu, ...]:
        return ((self.default,) if self.default is not None else ()) + self.conditional

    def menu(self, name: str) -> Menu | None:
        return next((menu for menu in self.menus if menu.name == name), None)

    @property
    def empty(self) -> bool:
        return not any(menu.buttons for menu in self.menus)
