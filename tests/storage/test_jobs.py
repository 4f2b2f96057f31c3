"""Typed job payloads round-trip through the outbox's JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.jobs import JobKind


@dataclass(frozen=True)
class Example:
    touser: str
    phone: str | None
    tags: list[str]
    extra: dict[str, str] | None = None


EXAMPLE = JobKind("test.example", Example)


@given(
    touser=st.text(),
    phone=st.none() | st.text(),
    tags=st.lists(st.text()),
    extra=st.none() | st.dictionaries(st.text(), st.text()),
)
def test_a_payload_survives_the_stored_json(
    touser: str, phone: str | None, tags: list[str], extra: dict[str, str] | None
) -> None:
    payload = Example(touser, phone, tags, extra)
    request = EXAMPLE.request("main", payload, dedup_key="k")
    stored = json.loads(json.dumps(request.payload, ensure_ascii=False))
    assert EXAMPLE.decode(stored) == payload
    assert (request.kind, request.target, request.dedup_key) == ("test.example", "main", "k")


def test_unset_optional_fields_are_left_out_but_required_ones_are_kept() -> None:
    assert EXAMPLE.request("main", Example("u", None, [])).payload == {
        "touser": "u",
        "phone": None,
        "tags": [],
    }


def test_a_stored_payload_that_no_longer_fits_fails_loudly() -> None:
    with pytest.raises(TypeError):
        EXAMPLE.decode({"touser": "u", "tags": [], "surprise": 1})
