"""The outbox job of the channels feature: bring a channel's codes in line with its table."""

from __future__ import annotations

from dataclasses import dataclass

from storage.jobs import JobKind


@dataclass(frozen=True)
class EnsureCodes:
    """Make the channel's QR code and contact way if missing, renew a temporary code near
    its expiry, and set the way's staff to the rota's answer for now. Idempotent: queued
    after a publish, at rota changes and when an add takes someone to their cap."""

    key: str


CHANNEL_CODES = JobKind("channel.codes", EnsureCodes)
