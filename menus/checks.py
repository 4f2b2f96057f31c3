"""WeChat's limits on a menu, checked before any call: every problem, each with its line.

Each refusal names the error code WeChat would answer with, so ops can match what
they read here with what WeChat's console or logs say (codes from WeChat's global
return-code table; limits and citations in `menus.limits`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

from filecheck.wording import N_, Wording
from keywords.problems import Problem, Severity
from menus import limits
from menus.model import VALUE_FIELDS, Button, ButtonType, Menu, MenuSet, Platform

Report = Callable[[int, str, Wording, Severity], None]
_TYPES = ", ".join(kind.value for kind in ButtonType)
_PLATFORMS = ", ".join(platform.value for platform in Platform)


def check_menus(menus: MenuSet, source: str) -> list[Problem]:
    """Every way `menus` breaks WeChat's rules (errors) or likely ops' intent (warnings)."""
    problems: list[Problem] = []

    def report(
        line: int, column: str, message: Wording, severity: Severity = Severity.ERROR
    ) -> None:
        problems.append(Problem(source, line, column, message, severity))

    if menus.default is None:
        line = menus.conditional[0].line if menus.conditional else 1
        why = Wording(
            N_("a conditional menu needs the default menu first (WeChat: 65303)")
            if menus.conditional
            else N_("no menu: write the default menu as [[button]] tables")
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
    if not 1 <= len(menu.buttons) <= limits.TOP_BUTTONS_MAX:
        line = menu.buttons[limits.TOP_BUTTONS_MAX].line if menu.buttons else menu.line
        report(
            line, "button",
            Wording(
                N_("menu %(menu)s has %(count)s buttons; WeChat takes 1 to %(max)s (40016)"),
                {"menu": menu.name, "count": len(menu.buttons), "max": limits.TOP_BUTTONS_MAX},
            ),
            Severity.ERROR,
        )  # fmt: skip
    for button in menu.buttons:
        _check_button(button, report, top=True)
        if button.sub_buttons and len(button.sub_buttons) > limits.SUB_BUTTONS_MAX:
            report(
                button.sub_buttons[limits.SUB_BUTTONS_MAX].line, "sub_button",
                Wording(
                    N_("'%(name)s' has %(count)s sub-buttons; WeChat takes 1 to %(max)s (40023)"),
                    {"name": button.name, "count": len(button.sub_buttons),
                     "max": limits.SUB_BUTTONS_MAX},
                ),
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
                Wording(
                    N_("key '%(key)s' is on %(count)s buttons of menu %(menu)s: wxbot cannot "
                       "tell which one was tapped"),
                    {"key": button.key, "count": keys[button.key], "menu": menu.name},
                ),
                Severity.WARNING,
            )  # fmt: skip


def _check_button(button: Button, report: Report, *, top: bool) -> None:
    name_max = limits.TOP_NAME_MAX_BYTES if top else limits.SUB_NAME_MAX_BYTES
    if not button.name:
        nameless = N_("a button needs a name") if top else N_("a sub-button needs a name")
        report(button.line_of("name"), "name", Wording(nameless), Severity.ERROR)
    elif len(button.name.encode()) > name_max:
        template = (
            N_(
                "'%(name)s' is %(size)s bytes; a button name takes at most %(max)s "
                "(UTF-8: 3 per Chinese character) (%(code)s)"
            )
            if top
            else N_(
                "'%(name)s' is %(size)s bytes; a sub-button name takes at most %(max)s "
                "(UTF-8: 3 per Chinese character) (%(code)s)"
            )
        )
        report(
            button.line_of("name"), "name",
            Wording(template, {"name": button.name, "size": len(button.name.encode()),
                               "max": name_max, "code": 40018 if top else 40025}),
            Severity.ERROR,
        )  # fmt: skip
    if button.sub_buttons:
        if button.type:
            report(
                button.line_of("type"), "type",
                Wording(
                    N_("'%(name)s' opens sub-buttons, so it has no type (WeChat: type and "
                       "sub_button exclude each other)"),
                    {"name": button.name},
                ),
                Severity.ERROR,
            )  # fmt: skip
        _warn_unused(button, (), report)
        return
    if not button.type:
        template = (
            N_("'%(name)s' needs a type (%(types)s) or [[button.sub_button]] tables")
            if top
            else N_("'%(name)s' needs a type (%(types)s)")
        )
        report(
            button.line, "type", Wording(template, {"name": button.name, "types": _TYPES}),
            Severity.ERROR,
        )  # fmt: skip
        return
    kind = button.kind
    if kind is None:
        report(
            button.line_of("type"), "type",
            Wording(
                N_("unknown type '%(type)s' (%(types)s) (%(code)s)"),
                {"type": button.type, "types": _TYPES, "code": 40017 if top else 40024},
            ),
            Severity.ERROR,
        )  # fmt: skip
        return
    for needed in kind.needs:
        if not button.value(needed):
            needs = Wording(N_("a %(type)s button needs %(field)s"),
                            {"type": kind.value, "field": needed})  # fmt: skip
            report(button.line, needed, needs, Severity.ERROR)
    _check_sizes(button, kind, report, top=top)
    _warn_unused(button, kind.needs, report)


def _check_sizes(button: Button, kind: ButtonType, report: Report, *, top: bool) -> None:
    if len(button.key.encode()) > limits.KEY_MAX_BYTES:
        report(
            button.line_of("key"), "key",
            Wording(
                N_("key is %(size)s bytes; WeChat takes at most %(max)s (%(code)s)"),
                {"size": len(button.key.encode()), "max": limits.KEY_MAX_BYTES,
                 "code": 40019 if top else 40026},
            ),
            Severity.ERROR,
        )  # fmt: skip
    if not button.url or "url" not in kind.needs:
        return
    if len(button.url.encode()) > limits.URL_MAX_BYTES:
        report(
            button.line_of("url"), "url",
            Wording(
                N_("url is %(size)s bytes; WeChat takes at most %(max)s (%(code)s)"),
                {"size": len(button.url.encode()), "max": limits.URL_MAX_BYTES,
                 "code": 40020 if top else 40027},
            ),
            Severity.ERROR,
        )  # fmt: skip
    if urlsplit(button.url).scheme not in ("http", "https") or not urlsplit(button.url).netloc:
        report(
            button.line_of("url"), "url",
            Wording(N_("'%(url)s' is not an http(s) link (65317)"), {"url": button.url}),
            Severity.ERROR,
        )  # fmt: skip


def _warn_unused(button: Button, used: tuple[str, ...], report: Report) -> None:
    for name in VALUE_FIELDS:
        if button.value(name) and name not in used:
            ignored = (
                Wording(N_("%(field)s is ignored on a button with sub-buttons"), {"field": name})
                if button.sub_buttons
                else Wording(N_("%(field)s is ignored on a %(type)s button"),
                             {"field": name, "type": button.type})
            )  # fmt: skip
            report(button.line_of(name), name, ignored, Severity.WARNING)


def _warn_repeated_names(buttons: tuple[Button, ...], report: Report) -> None:
    seen: set[str] = set()
    for button in buttons:
        if button.name and button.name in seen:
            report(
                button.line_of("name"), "name",
                Wording(N_("two buttons side by side are named '%(name)s'"),
                        {"name": button.name}),
                Severity.WARNING,
            )  # fmt: skip
        seen.add(button.name)


def _check_rule(menu: Menu, names: Counter[str], report: Report) -> None:
    rule = menu.match
    assert rule is not None  # noqa: S101 - only called for conditional menus
    if not menu.name:
        report(menu.line, "name", Wording(N_("a conditional menu needs a name")), Severity.ERROR)
    names[menu.name] += 1
    if menu.name and names[menu.name] == 2:  # noqa: PLR2004 - the first repeat
        twice = Wording(N_("two menus are named '%(name)s'"), {"name": menu.name})
        report(rule.line_of("name"), "name", twice, Severity.ERROR)
    if rule.empty:
        report(
            menu.line, "tag",
            Wording(
                N_("conditional menu '%(name)s' needs a rule: tag and/or platform (65304)"),
                {"name": menu.name},
            ),
            Severity.ERROR,
        )  # fmt: skip
    for field, _ in rule.private:
        report(
            rule.line_of(field), field,
            Wording(
                N_("WeChat no longer matches menus on %(field)s (privacy: it refuses such rules "
                   "with 65320); match on a tag instead"),
                {"field": field},
            ),
            Severity.ERROR,
        )  # fmt: skip
    if rule.platform and rule.platform not in {p.value for p in Platform}:
        report(
            rule.line_of("platform"), "platform",
            Wording(N_("unknown platform '%(platform)s' (%(platforms)s)"),
                    {"platform": rule.platform, "platforms": _PLATFORMS}),
            Severity.ERROR,
        )  # fmt: skip
    if len(rule.tag.encode()) > limits.TAG_NAME_MAX_BYTES:
        report(
            rule.line_of("tag"), "tag",
            Wording(N_("tag '%(tag)s' is longer than WeChat's %(max)s bytes"),
                    {"tag": rule.tag, "max": limits.TAG_NAME_MAX_BYTES}),
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
                    Wording(
                        N_("conditional menus link to %(domains)s: WeChat allows %(max)s "
                           "domains across all of them (65316)"),
                        {"domains": ", ".join(domains),
                         "max": limits.CONDITIONAL_URL_DOMAINS_MAX},
                    ),
                    Severity.ERROR,
                )  # fmt: skip
