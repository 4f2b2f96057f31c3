"""The atheris target for the callback XML parser runs clean for a few thousand inputs.

CI runs it briefly here; run it longer by hand as its module docstring says.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.atheris


def test_the_xml_fuzz_target_finds_nothing_in_a_short_run(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "fuzz" / "corpus" / "callback_xml", corpus)
    run = subprocess.run(  # noqa: S603 - our interpreter, our fuzz target
        [
            sys.executable,
            "-m",
            "fuzz.callback_xml",
            str(corpus),
            "-atheris_runs=5000",
            "-max_len=2048",
            "-timeout=5",
            "-seed=1",
        ],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        timeout=50,
        check=False,
    )
    output = run.stderr.decode(errors="replace")
    assert run.returncode == 0, output[-2000:]
    assert "Done 5000" in output
    assert list(tmp_path.glob("crash-*")) == []
