"""Ops-owned tables (keywords, channels, menus): every published version, which is live.

One mechanism for every kind of table ops publish: versions per kind and scope,
publish and rollback as new versions with a diff summary, audited in the same
transaction. What a table means (its format, its checks, its diff) belongs to
the caller, so storage stays free of the domain packages.
"""
