"""Hypothesis strategies for TOML documents made of known section and key names.

Random text rarely gets past TOML's own syntax; documents built from the
loader's real vocabulary, with values of every type (and out-of-range ones),
reach the loader's own checks, which is where the interesting failures live.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from hypothesis import strategies as st

SCALARS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
    st.floats().map(lambda value: "nan" if math.isnan(value) else repr(value)),
    st.booleans().map(lambda value: str(value).lower()),
    st.text(max_size=20).map(lambda value: json.dumps(value, ensure_ascii=False)),
    st.sampled_from(['"${WXBOT_UNSET}"', '"postgresql+asyncpg://x"', '"redis://x"', '""']),
)


def _value() -> st.SearchStrategy[str]:
    arrays = st.lists(SCALARS, max_size=3).map(lambda items: "[" + ", ".join(items) + "]")
    return st.one_of(SCALARS, arrays)


def documents(
    sections: Sequence[str], keys: Sequence[str], *, array_tables: bool
) -> st.SearchStrategy[str]:
    """TOML text: some `[section]` or `[[section]]` tables with some known keys."""
    table = st.tuples(
        st.sampled_from(list(sections)),
        st.booleans() if array_tables else st.just(False),
        st.dictionaries(st.sampled_from(list(keys)), _value(), max_size=8),
    )

    def render(tables: list[tuple[str, bool, dict[str, str]]]) -> str:
        out: list[str] = []
        seen: set[str] = set()
        for name, as_array, items in tables:
            if not as_array and name in seen:
                continue  # a repeated [table] is a TOML syntax error, not worth generating
            seen.add(name)
            out.append(f"[[{name}]]" if as_array else f"[{name}]")
            out.extend(f"{key} = {value}" for key, value in items.items())
        return "\n".join(out) + "\n"

    return st.lists(table, max_size=5).map(render)
