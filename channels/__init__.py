"""Channels: the places people arrive through (an expo stand, a poster, a store, an ad).

A channel has a name for people, a key (the official-account QR scene and the WeCom
contact way's `state`), a group, its codes, what arriving gives, a welcome message,
for a WeCom code a staff rota, and optionally a cost. Ops own the table like keyword
tables (`channels.toml`: check, publish, history, rollback). This package is the pure
part: the table's format and checks, the rota, the welcome's choice, attribution.
"""
