"""How a channel key (a QR scene, a contact-me code's state) reads on the site.

Every page and chart names channels through the one `ChannelNames` the site holds:
the live channel table first (what ops published, swapped within seconds of a
publish), then the directory (a channel since removed from the table: its printed
codes still scan and count under its name), then the names tagging rules give
channels (`[touch] names`), else the key as recorded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from channels.model import ChannelTable
from storage.channels.directory import all_channels
from storage.database import SessionFactory

log = logging.getLogger(__name__)
ChannelLabel = Callable[[str], str]


def channel_labels(names: Mapping[str, str]) -> ChannelLabel:
    """A lookup over `names` (key → name); a key with no name reads as itself."""
    known = dict(names)

    def channel_label(key: str) -> str:
        return known.get(key, key)

    return channel_label


class ChannelNames:
    """Key → the channel's name (called as a `ChannelLabel`) and its group."""

    def __init__(
        self,
        table: Callable[[], ChannelTable] = ChannelTable,
        touch: Mapping[str, str] | None = None,
    ) -> None:
        self._table = table
        self._touch = dict(touch or {})
        self._directory: dict[str, tuple[str, str]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def __call__(self, key: str) -> str:
        channel = self._table().get(key)
        if channel is not None:
            return channel.name
        listed = self._directory.get(key)
        return listed[0] if listed else self._touch.get(key, key)

    def group(self, key: str | None) -> str:
        """The channel's group ("" for none, or a key no channel claims)."""
        channel = self._table().get(key)
        if channel is not None:
            return channel.group
        listed = self._directory.get(key or "")
        return listed[1] if listed else ""

    async def load_directory(self, sessions: SessionFactory) -> None:
        """Read every channel ever published (a few thousand rows at most)."""
        async with sessions() as session:
            rows = await all_channels(session)
        self._directory = {row.key: (row.name, row.group_name) for row in rows}

    def reload_directory(self, sessions: SessionFactory) -> None:
        """After a swap of the live table (a hook: it cannot wait), reread the directory."""
        task = asyncio.get_running_loop().create_task(self.load_directory(sessions))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The names of the table itself are current; only removed channels wait.
            log.warning("channel directory not reread: %s", task.exception())
