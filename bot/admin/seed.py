"""The demo's first admin user, so a newcomer can sign in without the CLI."""

from __future__ import annotations

import logging

from bot.admin.passwords import hash_password
from bot.admin.roles import Role
from bot.config.settings import Settings
from storage.admin_users import AdminUsers
from storage.types import utc_now

log = logging.getLogger(__name__)
DEMO_USER = "ops"


async def seed_demo_user(settings: Settings, users: AdminUsers) -> None:
    """Create `ops` from `[admin] seed_ops_password` when there is no admin user yet.

    Settings refuse that key outside the demo, and a database that has any user is
    left alone, so a changed password is never reset by a restart.
    """
    password = settings.admin.seed_ops_password.reveal()
    if not password or await users.count():
        return
    created = await users.add(
        DEMO_USER, Role.OPS, await hash_password(password), "demo seed", utc_now()
    )
    if created:
        log.info(
            "demo admin user %r created; change its password with wxbot admin passwd", DEMO_USER
        )
