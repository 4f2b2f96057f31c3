"""The site's menu: groups of pages, in the order the side menu shows them.

A new page adds its line here (its path and an `N_()`-marked title), and its
template extends `base.html`; the menu marks the page being read.
"""

from __future__ import annotations

from dataclasses import dataclass

from filecheck.wording import N_


@dataclass(frozen=True)
class Entry:
    path: str
    title: str  # a catalog msgid: translated where the menu is drawn

    def current(self, path: str) -> bool:
        """The entry of the page at `path` (the dashboard only for itself)."""
        return path == self.path or (self.path != "/admin/" and path.startswith(self.path))


MENU: tuple[tuple[str, tuple[Entry, ...]], ...] = (
    (
        N_("Operations"),
        (
            Entry("/admin/", N_("Dashboard")),
            Entry("/admin/keywords", N_("Keywords")),
            Entry("/admin/try", N_("Try a message")),
            Entry("/admin/reports", N_("Misses and hits")),
            Entry("/admin/journeys", N_("Journeys")),
            Entry("/admin/menus", N_("Account menu")),
            Entry("/admin/channels", N_("Channels")),
        ),
    ),
    (
        N_("Sales"),
        (
            Entry("/admin/leads", N_("Leads")),
            Entry("/admin/people", N_("People")),
            Entry("/admin/team", N_("Sales team")),
        ),
    ),
    (
        N_("System"),
        (
            Entry("/admin/outbox", N_("Outbox")),
            Entry("/admin/users", N_("Admin users")),
            Entry("/admin/audit", N_("Audit log")),
        ),
    ),
)
