"""The outbox job kinds that move WeCom customers with their leads."""

from __future__ import annotations

from dataclasses import dataclass

from storage.jobs import JobKind


@dataclass(frozen=True)
class TransferSend:
    """One transfer call: at most 100 queued `customer_transfers` rows of one pair."""

    handover_id: int
    from_userid: str
    to_userid: str
    employed: bool
    transfer_ids: list[int]
    # What the customer sees once moved (employed only; at most 200 characters).
    message: str | None = None


@dataclass(frozen=True)
class TransferPoll:
    """Ask `transfer_result` for one pair of one hand-over; `round` sets the next wait."""

    handover_id: int
    from_userid: str
    to_userid: str
    employed: bool
    round: int = 0


TRANSFER_SEND = JobKind("transfer.send", TransferSend)
TRANSFER_POLL = JobKind("transfer.poll", TransferPoll)


def poll_key(poll: TransferPoll) -> str:
    """One poll per hand-over, pair and round, however many send calls ask for it."""
    kind = "e" if poll.employed else "r"
    return (
        f"transfer.poll:{poll.handover_id}:{kind}:{poll.from_userid}:{poll.to_userid}:{poll.round}"
    )
