"""WeChat's limits on custom menus, each with where it is written.

The current reference is the `custommenu` API family of the service-account docs
(developers.weixin.qq.com/doc/service/api/custommenu/api_createcustommenu,
api_addconditionalmenu, api_getmenu, api_trymatchmenu). Older copies of the page
(still quoted by many blogs) give 40 bytes for a sub-button name and 256 for a URL;
the current reference and answers on WeChat's developer community give 60 and 1024.
"""

from typing import Final

# "button 一级菜单数组（1-3个）", "sub_button 二级菜单数组（1-5个）".
TOP_BUTTONS_MAX: Final = 3
SUB_BUTTONS_MAX: Final = 5
# "菜单标题，不超过16个字节，子菜单不超过60个字节" (UTF-8 bytes: 5 Chinese characters
# top level, 20 in a sub-menu; clients cut long names with "…" well before that).
TOP_NAME_MAX_BYTES: Final = 16
SUB_NAME_MAX_BYTES: Final = 60
# "菜单KEY值，用于消息接口推送，不超过128字节".
KEY_MAX_BYTES: Final = 128
# "网页链接 … 不超过1024字节" (view and miniprogram).
URL_MAX_BYTES: Final = 1024
# "出于安全考虑，一个公众号的所有个性化菜单，最多只能设置为跳转到3个域名下的链接" (65316).
CONDITIONAL_URL_DOMAINS_MAX: Final = 3
# An official-account tag name (`tags/create`), which a conditional menu's tag becomes.
TAG_NAME_MAX_BYTES: Final = 30
