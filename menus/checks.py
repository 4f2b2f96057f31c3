"""WeChat's limits on a menu, checked before any call: every problem, each with its line.

Each refusal names the error code WeChat would answer with, so ops can match what
they read here with what WeChat's console or logs say (codes from WeChat's global
return-code table; limits and citations in `menus.limits`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

from keywords.problems import Problem, Severity
from menus import limits
from menus.model import VALUE_FIELDS, Button, ButtonType, Menu, MenuSet, Platform

Report = Callable[[int, str, str, Severity], None]
_TYPES = ", ".join(kind.value for kind in ButtonType)
_PLATFORMS = ", ".join(platform.value for platform in Platform)


def check_menus(menus: MenuSet, source: str) -> list[Problem]:
    """Every way `menus` breaks WeChat's rules (errors) or likely ops' intent (warnings)."""
    problems: list[Problem] = []

    def report(line: int, column: str, message: str, severity: Severity = Severity.ERROR) -> None:
        problems.append(Problem(source, line, column, message, severity))

    if menus.default is None:
        line = menus.conditional[0].line if menus.conditional else 1
        why = (
            "a conditional menu needs the default menu first (WeChat: 65303)"
            if menus.conditional
            else "no menu: write the default menu as [[button]] tables"
        )
        report(line, "button", why)
    names: Counter[str] = Counter()
    for menu in menus.menus:
        _check_menu(menu, report)
        if menu.conditional:
            _check_rule(menu, names, report)
    _check_domains(menus.conditional, report)
    return problems


def _check_menu(menu: Menu, report: Report) -> None:
    where = f"menu {menu.name}"
    if not 1 <= len(menu.buttons) <= limits.TOP_BUTTONS_MAX:
        line = menu.buttons[limits.TOP_BUTTONS_MAX].line if menu.buttons else menu.line
        report(
            line, "button",
            f"{where} has {len(menu.buttons)} buttons; WeChat takes 1 to "
            f"{limits.TOP_BUTTONS_MAX} (40016)",
            Severity.ERROR,
        )  # fmt: skip
    for button in menu.buttons:
        _check_button(button, report, top=True)
        if button.sub_buttons and len(button.sub_buttons) > limits.SUB_BUTTONS_MAX:
            report(
                button.sub_buttons[limits.SUB_BUTTONS_MAX].line, "sub_button",
                f"{button.name!r} has {len(button.sub_buttons)} sub-buttons; WeChat takes 1 to "
                f"{limits.SUB_BUTTONS_MAX} (40023)",
                Severity.ERROR,
            )  # fmt: skip
        for sub in button.sub_buttons:
            _check_button(sub, report, top=False)
        _warn_repeated_names(button.sub_buttons, report)
    _warn_repeated_names(menu.buttons, report)
    keys = Counter(b.key for _, b in menu.leaves() if b.kind is ButtonType.CLICK and b.key)
    for _, button in menu.leaves():
        if keys[button.key] > 1 and button.kind is ButtonType.CLICK:
            report(
                button.line_of("key"), "key",
                f"key {button.key!r} is on {keys[button.key]} buttons of {where}: "
                "wxbot cannot tell which one was tapped",
                Severity.WARNING,
            )  # fmt: skip


def _check_button(button: Button, report: Report, *, top: bool) -> None:
    sub = "" if top else "sub-"
    name_max = limits.TOP_NAME_MAX_BYTES if top else limits.SUB_NAME_MAX_BYTES
    if not button.name:
        report(button.line_of("name"), "name", f"a {sub}button needs a name", Severity.ERROR)
    elif len(button.name.encode()) > name_max:
        code = 40018 if top else 40025
        report(
            button.line_of("name"), "name",
            f"{button.name!r} is {len(button.name.encode())} bytes; a {sub}button name takes at "
            f"most {name_max} (UTF-8: 3 per Chinese character) ({code})",
            Severity.ERROR,
        )  # fmt: skip
    if button.sub_buttons:
        if button.type:
            report(
                button.line_of("type"), "type",
                f"{button.name!r} opens sub-buttons, so it has no type (WeChat: type and "
                "sub_button exclude each other)",
                Severity.ERROR,
            )  # fmt: skip
        _warn_unused(button, (), report)
        return
    if not button.type:
        hint = "or [[button.sub_button]] tables" if top else ""
        report(
            button.line, "type", f"{button.name!r} needs a type ({_TYPES}) {hint}".rstrip(),
            Severity.ERROR,
        )  # fmt: skip
        return
    kind = button.kind
    if kind is None:
        report(
            button.line_of("type"), "type",
            f"unknown type {button.type!r} ({_TYPES}) ({40017 if top else 40024})",
            Severity.ERROR,
        )  # fmt: skip
        return
    for needed in kind.needs:
        if not button.value(needed):
            report(button.line, needed, f"a {kind.value} button needs {needed}", Severity.ERROR)
    _check_sizes(button, kind, report, top=top)
    _warn_unused(button, kind.needs, report)


def _check_sizes(button: Button, kind: ButtonType, report: Report, *, top: bool) -> None:
    if len(button.key.encode()) > limits.KEY_MAX_BYTES:
        report(
            button.line_of("key"), "key",
            f"key is {len(button.key.encode())} bytes; WeChat takes at most "
            f"{limits.KEY_MAX_BYTES} ({40019 if top else 40026})",
            Severity.ERROR,
        )  # fmt: skip
    if not button.url or "url" not in kind.needs:
        return
    if len(button.url.encode()) > limits.URL_MAX_BYTES:
        report(
            button.line_of("url"), "url",
            f"url is {len(button.url.encode())} bytes; WeChat takes at most "
            f"{limits.URL_MAX_BYTES} ({40020 if top else 40027})",
            Severity.ERROR,
        )  # fmt: skip
    if urlsplit(button.url).scheme not in ("http", "https") or not urlsplit(button.url).netloc:
        report(
            button.line_of("url"), "url",
            f"{button.url!r} is not an http(s) link (65317)", Severity.ERROR,
        )  # fmt: skip


def _warn_unused(button: Button, used: tuple[str, ...], report: Report) -> None:
    for name in VALUE_FIELDS:
        if button.value(name) and name not in used:
            what = "a button with sub-buttons" if button.sub_buttons else f"a {button.type} button"
            report(
                button.line_of(name), name,
                f"{name} is ignored on {what}", Severity.WARNING,
            )  # fmt: skip


def _warn_repeated_names(buttons: tuple[Button, ...], report: Report) -> None:
    seen: set[str] = set()
    for button in buttons:
        if button.name and button.name in seen:
            report(
                button.line_of("name"), "name",
                f"two buttons side by side are named {button.name!r}", Severity.WARNING,
            )  # fmt: skip
        seen.add(button.name)


def _check_rule(menu: Menu, names: Counter[str], report: Report) -> None:
    rule = menu.match
    assert rule is not None  # noqa: S101 - only called for conditional menus
    if not menu.name:
        report(menu.line, "name", "a conditional menu needs a name", Severity.ERROR)
    names[menu.name] += 1
    if menu.name and names[menu.name] == 2:  # noqa: PLR2004 - the first repeat
        report(rule.line_of("name"), "name", f"two menus are named {menu.name!r}", Severity.ERROR)
    if rule.empty:
        report(
            menu.line, "tag",
            f"conditional menu {menu.name!r} needs a rule: tag and/or platform (65304)",
            Severity.ERROR,
        )  # fmt: skip
    for field, _ in rule.private:
        report(
            rule.line_of(field), field,
            f"WeChat no longer matches menus on {field} (privacy: it refuses such rules "
            "with 65320); match on a tag instead",
            Severity.ERROR,
        )  # fmt: skip
    if rule.platform and rule.platform not in {p.value for p in Platform}:
        report(
            rule.line_of("platform"), "platform",
            f"unknown platform {rule.platform!r} ({_PLATFORMS})", Severity.ERROR,
        )  # fmt: skip
    if len(rule.tag.encode()) > limits.TAG_NAME_MAX_BYTES:
        report(
            rule.line_of("tag"), "tag",
            f"tag {rule.tag!r} is longer than WeChat's {limits.TAG_NAME_MAX_BYTES} bytes",
            Severity.ERROR,
        )  # fmt: skip


def _check_domains(conditional: tuple[Menu, ...], report: Report) -> None:
    """All conditional menus together may link to at most 3 domains (65316)."""
    domains: list[str] = []
    for menu in conditional:
        for _, button in menu.leaves():
            host = urlsplit(button.url).hostname if button.url else None
            if host is None or host in domains:
                continue
            domains.append(host)
            if len(domains) == limits.CONDITIONAL_URL_DOMAINS_MAX + 1:
                report(
                    button.line_of("url"), "url",
                    f"conditional menus link to {', '.join(domains)}: WeChat allows "
                    f"{limits.CONDITIONAL_URL_DOMAINS_MAX} domains across all of them (65316)",
                    Severity.ERROR,
                )  # fmt: skip
