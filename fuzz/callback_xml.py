"""An atheris target for the callback XML parser: any bytes are a message or `MalformedXml`.

Briefly in the test run (tests/callbacks/test_atheris_target.py), longer by hand:

    cp -r fuzz/corpus/callback_xml /tmp/xml-corpus   # libFuzzer adds new inputs to it
    .venv/bin/python -m fuzz.callback_xml /tmp/xml-corpus -atheris_runs=200000 -max_len=4096

Any other exception, or a hang past libFuzzer's `-timeout`, is a finding: atheris
prints the input and writes it to `crash-*`; rerun one with `python -m
fuzz.callback_xml crash-<sha>`.
"""

from __future__ import annotations

import contextlib
import sys

import atheris

# The parser and what it calls into (xmltodict, wechatpy) are instrumented for coverage.
with atheris.instrument_imports(include=["bot.callbacks", "xmltodict", "wechatpy"]):
    from bot.callbacks.wechat_xml import MalformedXml, parse_envelope, to_inbound


def test_one_input(data: bytes) -> None:
    """The envelope and the message parse of `data`, as both edges run them."""
    with contextlib.suppress(MalformedXml):
        parse_envelope(data)
    # UnicodeEncodeError: surrogates cannot be re-encoded; the edges decode strictly
    # (an invalid body is a 400 before the parser), so only the parser's own error counts.
    with contextlib.suppress(MalformedXml, UnicodeEncodeError):
        to_inbound("main", data.decode("utf-8", errors="surrogateescape"))


def main(argv: list[str]) -> None:
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
