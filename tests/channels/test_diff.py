"""A publish's summary line says what changed, and reads back to the same parts (the
admin site's history says them in the reader's language from that line)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from channels.diff import NAMED, ChannelDiff, Named, Summary, read_summary

KEYS = st.lists(st.from_regex(r"[A-Za-z0-9_.-]{1,64}", fullmatch=True), unique=True,
                max_size=NAMED + 3).map(tuple)  # fmt: skip


@given(added=KEYS, removed=KEYS, changed=KEYS, welcome=st.booleans())
def test_a_summary_reads_back_to_what_it_names(
    added: tuple[str, ...], removed: tuple[str, ...], changed: tuple[str, ...], welcome: bool
) -> None:
    diff = ChannelDiff(added, removed, changed, welcome)
    assert read_summary(diff.summary()) == diff.named()


def test_a_long_change_names_the_first_keys_and_counts_the_rest() -> None:
    diff = ChannelDiff(added=("a",), changed=tuple(f"c{n}" for n in range(7)))
    assert diff.summary() == "1 added (a), 7 changed (c0, c1, c2, c3, c4, …)"
    assert read_summary(diff.summary()) == Summary(
        added=Named(1, ("a",)), changed=Named(7, ("c0", "c1", "c2", "c3", "c4"))
    )
    assert read_summary("no change") == Summary()
    assert read_summary("no change").empty  # type: ignore[union-attr]


@given(st.text(alphabet=st.sampled_from("0123456789 ,()…abdcehgnlmorvw"), max_size=60))
def test_any_line_reads_without_an_error_and_back_to_itself(line: str) -> None:
    """Summaries stored by older releases, or hand-edited, never break the history page:
    a line either reads back as the summary it is, or is None (shown as written)."""
    parsed = read_summary(line)
    if parsed is not None and all(
        n.count == len(n.keys) and len(n.keys) <= NAMED
        for n in (parsed.added, parsed.removed, parsed.changed)
    ):
        again = ChannelDiff(
            parsed.added.keys, parsed.removed.keys, parsed.changed.keys, parsed.welcome_changed
        )
        assert again.summary() == line


def test_a_line_in_another_shape_is_none() -> None:
    for line in ("", "channels.toml", "2 added", "1 added (a), 1 added (b)",
                 "1 changed (a), 1 added (b)", "default welcome changed, 1 added (a)"):  # fmt: skip
        assert read_summary(line) is None, line
