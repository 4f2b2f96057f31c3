"""The README harness's own rules: blocks, markers, wildcards, what may differ."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.readme_blocks import Command, ReadmeError, matches, read_blocks

README = """\
# Title

## Section

```sh
$ wxbot simulate "价格"   # a comment
reply one
$ wxbot outbox \\
    --kind lead.alert
#3 lead.alert  created 2026-12-02 11:06 UTC+8
```

<!-- readme-test: skip: installs things -->
```sh
pip install wxbot
```

```sh
wxbot db upgrade
# a comment line
```

```toml
[server]
```
"""


def test_blocks_commands_outputs_and_marks(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(README, encoding="utf-8")
    story, install, plain = read_blocks(path)
    assert (story.line, story.heading, story.skip) == (5, "Section", None)
    assert story.commands == (
        Command('wxbot simulate "价格"   # a comment', ("reply one",)),
        Command("wxbot outbox \\\n    --kind lead.alert",
                ("#3 lead.alert  created 2026-12-02 11:06 UTC+8",)),
    )  # fmt: skip
    assert install.skip == "installs things"
    assert plain.commands == (Command("wxbot db upgrade", None),)


def test_a_mark_without_its_reason_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text("<!-- readme-test: skip -->\n```sh\nls\n```\n", encoding="utf-8")
    with pytest.raises(ReadmeError, match="REASON"):
        read_blocks(path)


@pytest.mark.parametrize(
    ("shown", "printed", "same"),
    [
        (("#3 done 2026-12-02 11:06 UTC+8",), "#7 done 2027-01-01 09:00 UTC+8\n", True),
        (("at 2026-12-02T03:06:00Z",), "at 2026-12-06T01:13:24.103+00:00\n", True),
        (("a", "...", "z"), "a\nb\nc\nz\n", True),
        (("a", "...", "z"), "a\nz\n", True),
        (("a", "...", "z"), "a\nb\n", False),
        (("db: sqlite:///[...]/wxbot.db",), "db: sqlite:////tmp/x/wxbot.db\n", True),
        (("db: sqlite:///[...]/wxbot.db",), "db: sqlite:////tmp/x/other.db\n", False),
        (("one line",), "one line\nand another\n", False),
        (("trailing spaces are not compared",), "trailing spaces are not compared   \n\n", True),
        ((), "", True),
        ((), "something\n", False),
        (("reply 2 of 3",), "reply 3 of 3\n", False),
    ],
)
def test_what_may_differ(shown: tuple[str, ...], printed: str, same: bool) -> None:
    assert matches(shown, printed) is same
