"""Protocol limits a channel table is checked against, each with where it is documented.

Sources: WeChat's `qrcode/create` reference (scene_str 1–64 characters, temporary codes
at most 2 592 000 s = 30 days, permanent codes at most 100 000 per account) and WeCom's
`externalcontact/add_contact_way` (state at most 30 characters, at most 100 members on a
multi-person code) and `send_welcome_msg` (at most 9 attachments; the welcome code lives
20 s and works once). Collected in /work/shared/reference/wechat-protocol.md and confirmed
against developer.work.weixin.qq.com/document/path/92599 (send_welcome_msg).
"""

from typing import Final

SCENE_STR_MAX: Final = 64
STATE_MAX: Final = 30
QR_EXPIRE_MAX_S: Final = 2_592_000
QR_EXPIRE_MAX_DAYS: Final = QR_EXPIRE_MAX_S // 86_400
PERMANENT_QR_MAX: Final = 100_000
WAY_MEMBERS_MAX: Final = 100
WELCOME_ATTACHMENTS_MAX: Final = 9
WELCOME_CODE_TTL_S: Final = 20.0
# A channel's name is shown on cards and under a printed QR code.
NAME_MAX: Final = 32
ATTACHMENT_TYPES: Final = {
    "image": ("media_id", "pic_url"),
    "link": ("title", "url", "picurl", "desc"),
    "miniprogram": ("title", "pic_media_id", "appid", "page"),
}
REQUIRED_ATTACHMENT_FIELDS: Final = {
    "image": (),  # media_id or pic_url, checked apart
    "link": ("title", "url"),
    "miniprogram": ("title", "pic_media_id", "appid", "page"),
}
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
