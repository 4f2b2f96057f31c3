"""Typed outbox jobs: each kind is one definition, its name and its payload dataclass.

The outbox stores a job's payload as JSON; `JobKind.request` builds the row
from a payload object, and `JobKind.decode` turns the stored JSON back into
one, so a misspelt field is a type error where the job is made, and a
stored payload that no longer fits fails that job with a clear error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from storage.records import JobRequest

Payload = TypeVar("Payload")


@dataclass(frozen=True)
class JobKind(Generic[Payload]):
    """One kind of outbox job: the name it is stored under and its payload type."""

    name: str
    payload: type[Payload]

    def request(
        self,
        target: str,
        payload: Payload,
        *,
        dedup_key: str | None = None,
        status: str = "pending",
        note: str | None = None,
    ) -> JobRequest:
        """The outbox row for `payload`, to the account or app `target`."""
        return JobRequest(self.name, target, encode(payload), dedup_key, status, note)

    def decode(self, raw: Mapping[str, object]) -> Payload:
        """The payload of a stored job (TypeError when its fields do not fit)."""
        return self.payload(**raw)


def encode(payload: Any) -> dict[str, object]:
    """A payload dataclass as JSON-ready fields; optional fields still at None are left out."""
    if not dataclasses.is_dataclass(payload) or isinstance(payload, type):
        raise TypeError(f"a job payload must be a dataclass instance, got {payload!r}")
    return {
        field.name: value
        for field in dataclasses.fields(payload)
        if (value := getattr(payload, field.name)) is not None or field.default is not None
    }
