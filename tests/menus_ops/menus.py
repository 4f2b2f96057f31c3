"""Menu files the menu-operation tests publish (their click keys are in the test table)."""

from __future__ import annotations

V1 = """\
[[button]]
name = "价格"
type = "click"
key = "MENU_PRICE"

[[button]]
name = "服务"

[[button.sub_button]]
name = "预约试驾"
type = "click"
key = "MENU_DRIVE"

[[button.sub_button]]
name = "看车型"
type = "view"
url = "https://example.com/models"

[[conditional]]
name = "high_intent"
tag = "高意向"

[[conditional.button]]
name = "预约试驾"
type = "click"
key = "MENU_DRIVE"

[[conditional.button]]
name = "价格"
type = "click"
key = "MENU_PRICE"
"""

# The test drive renamed, the conditional menu for iOS instead of a tag.
V2 = (
    V1.replace('name = "预约试驾"\ntype = "click"\nkey = "MENU_DRIVE"\n\n[[button.sub_button]]',
               'name = "试驾"\ntype = "click"\nkey = "MENU_DRIVE"\n\n[[button.sub_button]]')
    .replace('name = "high_intent"\ntag = "高意向"', 'name = "iphone"\nplatform = "ios"')
)  # fmt: skip
