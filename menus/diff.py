"""What a new version of the menu changes, by menu and button, for the publish history."""

from __future__ import annotations

from dataclasses import dataclass, replace

from menus.model import Button, Menu, MenuSet

_LISTED = 4  # names per part before "+N more": a history line stays readable


@dataclass(frozen=True)
class MenuDiff:
    """Menus added and removed; buttons (by "menu/group/name") added, removed, changed."""

    menus_added: tuple[str, ...] = ()
    menus_removed: tuple[str, ...] = ()
    rules_changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    reordered: bool = False

    @property
    def unchanged(self) -> bool:
        return not (
            self.menus_added or self.menus_removed or self.rules_changed or self.added
            or self.removed or self.changed or self.reordered
        )  # fmt: skip

    def summary(self) -> str:
        """One line, e.g. "menu high_intent added; 1 button changed (default/价格)"."""
        parts = [
            _part(label, names)
            for label, names in (
                ("menu added", self.menus_added),
                ("menu removed", self.menus_removed),
                ("rule changed", self.rules_changed),
                ("button added", self.added),
                ("button removed", self.removed),
                ("button changed", self.changed),
            )
            if names
        ]
        if self.reordered:
            parts.append("buttons reordered")
        return "; ".join(parts) or "no changes"


def _part(label: str, names: tuple[str, ...]) -> str:
    shown = ", ".join(names[:_LISTED]) + (
        f", +{len(names) - _LISTED} more" if len(names) > _LISTED else ""
    )
    plural = (
        label.replace("menu ", "menus ").replace("button ", "buttons ").replace("rule ", "rules ")
    )
    return f"{len(names)} {label if len(names) == 1 else plural} ({shown})"


def diff_menus(old: MenuSet, new: MenuSet) -> MenuDiff:
    """Compare two menu sets by menu name and button path."""
    before = {menu.name: menu for menu in old.menus}
    after = {menu.name: menu for menu in new.menus}
    kept = [name for name in after if name in before]
    old_buttons = {path: b for name in kept for path, b in _paths(before[name])}
    new_buttons = {path: b for name in kept for path, b in _paths(after[name])}
    return MenuDiff(
        menus_added=tuple(name for name in after if name not in before),
        menus_removed=tuple(name for name in before if name not in after),
        rules_changed=tuple(name for name in kept if before[name].match != after[name].match),
        added=tuple(path for path in new_buttons if path not in old_buttons),
        removed=tuple(path for path in old_buttons if path not in new_buttons),
        changed=tuple(
            path
            for path, b in new_buttons.items()
            if path in old_buttons and _own(old_buttons[path]) != _own(b)
        ),
        reordered=[p for p in old_buttons if p in new_buttons]
        != [p for p in new_buttons if p in old_buttons]
        or [n for n in before if n in after] != kept,
    )


def _paths(menu: Menu) -> list[tuple[str, Button]]:
    found: list[tuple[str, Button]] = []
    for button in menu.buttons:
        found.append((f"{menu.name}/{button.name}", button))
        found.extend((f"{menu.name}/{button.name}/{sub.name}", sub) for sub in button.sub_buttons)
    return found


def _own(button: Button) -> Button:
    """The button without its sub-buttons: a changed sub-button is reported by its own path."""
    return replace(button, sub_buttons=())
