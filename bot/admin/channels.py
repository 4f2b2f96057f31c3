"""How a channel key (a QR scene, a contact-me code's state) reads on the site.

Every page and chart names channels through one `ChannelLabel`, passed into the
site: today it reads the names tagging rules give channels (`[touch] names`);
when channels get a table of their own, that table's lookup is passed in here
instead and every page follows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

ChannelLabel = Callable[[str], str]


def channel_labels(names: Mapping[str, str]) -> ChannelLabel:
    """A lookup over `names` (key → name); a key with no name reads as itself."""
    known = dict(names)

    def channel_label(key: str) -> str:
        return known.get(key, key)

    return channel_label
