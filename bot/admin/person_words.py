"""A person's timeline entries and events in the reader's words.

Storage records what happened as a kind and a short detail written for logs ("absorbed
profile #5 (unionid …)", a channel key, a phone). Each becomes a `Said`: a sentence
in the reader's language, and the data it is about (a name, a number, a key),
which is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.admin.names import Names
from bot.admin.reader import Reader
from filecheck.wording import N_
from storage.tagging_models import TimelineEntry

_PROFILE_ID = re.compile(r"#(\d+)")
# Kinds whose detail is the data itself (a phone, a WeChat ID), and those whose tag or
# points say it all.
_DATA_KINDS = frozenset({"phone", "wechat_id"})
_TAG_KINDS = frozenset({"tag_added", "tag_removed", "tag_expired", "points"})
_EVENTS = {
    "subscribe": N_("Followed"),
    "unsubscribe": N_("Unfollowed"),
    "scan": N_("Scanned a QR code"),
    "click": N_("Clicked the menu"),
    "view": N_("Opened a menu link"),
    "location": N_("Shared a location"),
    "image": N_("Sent an image"),
    "video": N_("Sent a video"),
    "shortvideo": N_("Sent a video"),
    "link": N_("Sent a link"),
    "file": N_("Sent a file"),
}
_CHANNEL_EVENTS = frozenset({"subscribe", "scan"})


@dataclass(frozen=True)
class Said:
    """A sentence in the reader's language and the data it is about (shown as is)."""

    sentence: str = ""
    data: str = ""


def timeline_said(
    entry: TimelineEntry, words: Reader, who: Names, mask: Callable[[str], str]
) -> Said:
    detail = entry.detail or ""
    if entry.kind in ("channel", "subscribed"):
        return Said(data=who.channel(detail) or "")
    if entry.kind == "merged":
        found = _PROFILE_ID.search(detail)
        if found is not None:
            return Said(words.gettext(N_("profile #%(id)s joined this one")) % {"id": found[1]})
    if entry.kind == "identity_linked" or entry.kind in _TAG_KINDS:
        return Said()
    if entry.kind in _DATA_KINDS:
        return Said(data=mask(detail))
    return Said(data=mask(detail))


def event_said(kind: str, key: str, words: Reader, who: Names) -> Said:
    """A follow, scan, click or other non-text message: what the person did, and where."""
    label = _EVENTS.get(kind.lower())
    sentence = words.gettext(label) if label is not None else kind
    if kind.lower() in _CHANNEL_EVENTS and key:
        return Said(sentence, who.channel(key) or "")
    return Said(sentence, key)
