"""The menu's stored codes in the reader's words: button types and client platforms.

WeChat's own type names (`click`, `view`…) are what a menu file holds; the site shows
what each does, as WeChat's console names them.
"""

from __future__ import annotations

from filecheck.wording import N_
from menus.model import ButtonType, Platform

BUTTON_TYPE: dict[str, str] = {
    "": N_("Opens sub-buttons"),
    ButtonType.CLICK: N_("Click: sends its key"),
    ButtonType.VIEW: N_("Opens a web page"),
    ButtonType.MINIPROGRAM: N_("Opens a mini program"),
    ButtonType.SCANCODE_PUSH: N_("Scans a code"),
    ButtonType.SCANCODE_WAITMSG: N_("Scans a code, then waits for the reply"),
    ButtonType.PIC_SYSPHOTO: N_("Takes a photo"),
    ButtonType.PIC_PHOTO_OR_ALBUM: N_("Takes a photo or picks one from the album"),
    ButtonType.PIC_WEIXIN: N_("Picks a photo from the WeChat album"),
    ButtonType.LOCATION_SELECT: N_("Sends a location"),
    ButtonType.MEDIA_ID: N_("WeChat sends a saved material"),
    ButtonType.ARTICLE_ID: N_("WeChat sends a published article"),
    ButtonType.ARTICLE_VIEW_LIMITED: N_("Opens a published article"),
}
# A menu's match rule on the follower's phone; "" matches any.
PLATFORM: dict[str, str] = {
    "": N_("Any phone"),
    Platform.IOS: N_("iPhone"),
    Platform.ANDROID: N_("Android"),
    Platform.OTHER: N_("Other phones"),
}
# The form's labels of a button's fields (WeChat's JSON names in the menu file).
FIELD: dict[str, str] = {
    "name": N_("Button name"),
    "type": N_("What it does"),
    "key": N_("Key"),
    "url": N_("Link"),
    "appid": N_("Mini program AppID"),
    "pagepath": N_("Mini program page"),
    "media_id": N_("Material ID"),
    "article_id": N_("Article ID"),
    "tag": N_("Tag"),
    "platform": N_("Phone system"),
    "button": N_("Buttons"),
    "sub_button": N_("Sub-buttons"),
}
