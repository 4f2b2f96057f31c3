"""Text for people whose language the reader decides: an English template and its fields.

The CLI prints a `Wording` as English (`str()`); the admin site looks its template up
in the site's message catalog (the template is the msgid, marked with `N_` so Babel
extracts it) and fills the same fields into the reader's language. So this package
says what went wrong precisely, and knows nothing of the site or its languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


def N_(message: str) -> str:
    """Mark `message` for extraction into the message catalogs (gettext_noop): it is
    translated where it is shown, not here."""
    return message


@dataclass(frozen=True)
class Wording:
    """A `%(name)s` template and its fields. A field may be an enum member (the site
    shows its label) or another `Wording` (a part of the sentence)."""

    template: str
    fields: Mapping[str, str | int | StrEnum | Wording] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % {name: _plain(value) for name, value in self.fields.items()}


def _plain(value: str | int | StrEnum | Wording) -> str | int:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Wording):
        return str(value)
    return value
