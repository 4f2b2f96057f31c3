"""Menu operations as text for the terminal: checks, publishes, history, menus as trees."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence

from bot.ops.menu_ops import PublishedMenu, Trial
from filecheck.problems import problem_lines
from keywords.hours import shanghai
from keywords.problems import Problem, Severity
from menus.menu_format import describe
from menus.model import Button, ButtonType, MenuSet
from storage.tables.versions import Version

# Which keyword rules answer a key (empty: none); None when not known (no rules read).
RulesOf = Callable[[str], Collection[str]]


def check_text(source: str, menus: MenuSet, problems: Sequence[Problem]) -> list[str]:
    """Every problem (errors first), then one line of totals."""
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    buttons = sum(1 for menu in menus.menus for _ in menu.leaves())
    return [
        *problem_lines(problems),
        f"{source}: {_count(len(menus.menus), 'menu')}, {_count(buttons, 'button')}, "
        f"{_count(errors, 'error')}, {_count(len(problems) - errors, 'warning')}",
    ]


def published_text(published: PublishedMenu) -> list[str]:
    version = published.version
    lines = [
        f"published menu version {version.number} for {version.scope}"
        f" ({_count(version.item_count, 'button')}, by {version.created_by}): "
        f"{version.summary}"
    ]
    lines.extend(f"  {line}" for line in problem_lines(published.warnings))
    return lines


def history_text(versions: Sequence[Version]) -> list[str]:
    if not versions:
        return ["no menu published through wxbot yet (`wxbot menus pull` reads the live one)"]
    lines = []
    for version in versions:
        when = version.created_at.astimezone(shanghai()).strftime("%Y-%m-%d %H:%M")
        live = " LIVE" if version.active else ""
        note = f" [{version.note}]" if version.note else ""
        lines.append(
            f"{version.number:>5}{live:5} {version.scope:<12} {when} {version.created_by:<12}"
            f" {version.item_count:>3} buttons  {version.summary}{note}"
        )
    return lines


def menus_text(menus: MenuSet, rules_of: RulesOf | None = None) -> list[str]:
    """Each menu as the follower sees it, with what each button does (and which rule answers)."""
    lines: list[str] = []
    for menu in menus.menus:
        lines.append(f"{menu.name} ({describe(menu)}):" if menu.conditional else "default menu:")
        lines.extend(f"  {line}" for line in buttons_text(menu.buttons, rules_of))
    return lines


def buttons_text(buttons: Iterable[Button], rules_of: RulesOf | None = None) -> list[str]:
    lines: list[str] = []
    for button in buttons:
        if button.sub_buttons:
            lines.append(button.name)
            lines.extend(f"  {_action(sub, rules_of)}" for sub in button.sub_buttons)
        else:
            lines.append(_action(button, rules_of))
    return lines


def trial_text(account: str, trial: Trial) -> list[str]:
    """What `menu/trymatch` says one follower sees."""
    which = (
        f"menu {trial.menu.name} ({describe(trial.menu)})" if trial.menu and trial.menu.conditional
        else "the default menu" if trial.menu
        else "a menu wxbot did not publish"
    )  # fmt: skip
    lines = [f"{trial.openid} sees {which} of {account}:",
             *(f"  {line}" for line in buttons_text(trial.buttons))]  # fmt: skip
    lines.extend(
        f"note: {trial.openid} has tag {menu.match.tag} in wxbot, yet WeChat did not show menu "
        f"{menu.name}: the tag has not reached WeChat yet (`wxbot outbox --kind tags.oa_sync`), "
        "or WeChat put another tag on after it (it matches on the tag put on last)"
        for menu in trial.passed_over
        if menu.match is not None
    )
    return lines


def _action(button: Button, rules_of: RulesOf | None) -> str:
    kind = button.kind
    target = button.signal_key or button.media_id or button.article_id
    line = f"{button.name} → {button.type} {target}".rstrip()
    if kind is not None and kind.event is None:
        return f"{line}  (WeChat answers it itself)"
    if rules_of is None or kind is None:
        return line
    rules = rules_of(button.signal_key)
    if rules:
        return f"{line}  (rule {', '.join(rules)})"
    return f"{line}  (no rule answers it)" if kind is ButtonType.CLICK else line


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
