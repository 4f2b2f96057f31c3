"""The official account's custom menu as an ops-owned table.

A menu file (TOML, `menu_file`) holds the default menu and the conditional menus
WeChat shows to followers by their tags; `checks` holds it to WeChat's limits and
`cross_check` to the keyword and tagging rules that answer its buttons; `wechat_json`
turns it into WeChat's API bodies and back. Everything here is pure: no I/O beyond
reading a file, no network.
"""
