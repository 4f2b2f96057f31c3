"""Who may do what on the admin site: one table, read by every guarded route."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPS = "ops"  # edits keyword tables and the menu, retries jobs, manages admin users
    MANAGER = "manager"  # works leads (reassign, unlock) and the sales team (leave, hand-over)
    VIEWER = "viewer"  # reads everything, changes nothing; phone numbers masked


class Permission(StrEnum):
    EDIT_KEYWORDS = "edit_keywords"
    RETRY_JOBS = "retry_jobs"
    MANAGE_USERS = "manage_users"
    MANAGE_LEADS = "manage_leads"
    SEE_PHONES = "see_phones"
    EDIT_MENUS = "edit_menus"  # the official account's menu: publish and roll back
    MANAGE_TEAM = "manage_team"  # the sales team: edits, leave, hand-over


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.OPS: frozenset(
        {
            Permission.EDIT_KEYWORDS,
            Permission.RETRY_JOBS,
            Permission.MANAGE_USERS,
            Permission.SEE_PHONES,
            Permission.EDIT_MENUS,
        }
    ),
    Role.MANAGER: frozenset(
        {Permission.MANAGE_LEADS, Permission.SEE_PHONES, Permission.MANAGE_TEAM}
    ),
    Role.VIEWER: frozenset(),
}


def may(role: str, permission: Permission) -> bool:
    """False for a role this version does not know (a row written by a newer release)."""
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False
