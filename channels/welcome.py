"""The welcome a new WeCom customer gets: which variant, and the `send_welcome_msg` body."""

from __future__ import annotations

from datetime import datetime

from channels.model import Welcome
from keywords.hours import shanghai

NAME_PLACEHOLDER = "{name}"


def welcome_body(welcome: Welcome, now: datetime, customer_name: str) -> dict[str, object]:
    """The body of `send_welcome_msg` without the code: text and attachments.

    The first variant whose weekdays and hours cover `now` (Asia/Shanghai) wins;
    else the welcome's own text. `{name}` becomes the customer's name (plain
    replacement: any other braces ops typed stay as typed).
    """
    local = now.astimezone(shanghai())
    text, attachments = welcome.text, welcome.attachments
    for variant in welcome.variants:
        if local.weekday() in variant.days and (
            variant.hours is None or variant.hours.contains(local.time())
        ):
            text, attachments = variant.text, variant.attachments
            break
    body: dict[str, object] = {"text": {"content": text.replace(NAME_PLACEHOLDER, customer_name)}}
    if attachments:
        body["attachments"] = [attachment.payload() for attachment in attachments]
    return body
