"""The fake's customer transfers (在职继承 / 离职继承), driven by the fake's clock.

A transfer waits 24 h, then the customer moves to the receiver, unless the customer
refused in the meantime or the receiver is at its customer limit; each of those ends
raises a `transfer_fail` callback, kept in `failures` for the test or simulator to
deliver (the fake makes no HTTP calls of its own: `bot.testing` encrypts and posts).
Statuses are worked out when read (`settle`), so moving the clock is all it takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from fakewechat import limits
from fakewechat.records import ExternalContact

FailReason = Literal["customer_refused", "customer_limit_exceed"]


@dataclass
class Transfer:
    """One customer handed from one member to another by one call."""

    handover: str
    takeover: str
    external_userid: str
    started_at: float
    resigned: bool
    status: int = limits.TRANSFER_WAITING
    takeover_time: int = 0


@dataclass(frozen=True)
class TransferFailure:
    """A `change_external_contact` / `transfer_fail` callback the fake owes the bot."""

    userid: str
    external_userid: str
    reason: FailReason
    at: float


@dataclass
class TransferBook:
    """Every transfer the fake was asked for, members who left, and the simulation knobs."""

    clock: Callable[[], float]
    transfers: list[Transfer] = field(default_factory=list)
    # Members who left the corp, with when (`get_unassigned_list`'s dimission_time).
    resigned: dict[str, int] = field(default_factory=dict)
    # A member's customer limit (the receiver's limit, status 4); default: no practical limit.
    receiver_limits: dict[str, int] = field(default_factory=dict)
    # Customers who will refuse the transfer (decided now, effective at once).
    refusing: set[str] = field(default_factory=set)
    failures: list[TransferFailure] = field(default_factory=list)

    def resign(self, userid: str) -> None:
        """The member leaves the corp: their customers become unassigned."""
        self.resigned[userid] = int(self.clock())

    def refuse(self, external_userid: str) -> None:
        """The customer refuses every waiting transfer now (WeCom shows them a prompt)."""
        self.refusing.add(external_userid)
        for transfer in self.transfers:
            if (
                transfer.external_userid == external_userid
                and transfer.status == limits.TRANSFER_WAITING
            ):
                transfer.status = limits.TRANSFER_REFUSED
                self._fail(transfer, "customer_refused")

    def waiting(self, external_userid: str) -> Transfer | None:
        """The customer's transfer still waiting for its 24 h, if any."""
        return next(
            (
                t
                for t in self.transfers
                if t.external_userid == external_userid and t.status == limits.TRANSFER_WAITING
            ),
            None,
        )

    def employed_count(self, external_userid: str) -> int:
        """Transfers of the customer while employed within the last 90 days (not refused)."""
        since = self.clock() - limits.TRANSFER_WINDOW_S
        return sum(
            1
            for t in self.transfers
            if t.external_userid == external_userid
            and not t.resigned
            and t.started_at > since
            and t.status in (limits.TRANSFER_WAITING, limits.TRANSFER_DONE)
        )

    def start(self, handover: str, takeover: str, external_userid: str, *, resigned: bool) -> None:
        """A transfer accepted by a call; a customer set on refusing refuses it at once."""
        transfer = Transfer(handover, takeover, external_userid, self.clock(), resigned)
        self.transfers.append(transfer)
        if external_userid in self.refusing:
            transfer.status = limits.TRANSFER_REFUSED
            self._fail(transfer, "customer_refused")

    def settle(self, contacts: dict[str, ExternalContact]) -> None:
        """Finish every transfer whose 24 h are up: moved, or failed for the receiver's limit."""
        now = self.clock()
        for transfer in self.transfers:
            if transfer.status != limits.TRANSFER_WAITING:
                continue
            if now < transfer.started_at + limits.TAKEOVER_DELAY_S:
                continue
            contact = contacts.get(transfer.external_userid)
            if contact is None or transfer.handover not in contact.followers:
                transfer.status = limits.TRANSFER_NO_RECORD
                continue
            if self.customers_of(transfer.takeover, contacts) >= self.limit_of(transfer.takeover):
                transfer.status = limits.TRANSFER_RECEIVER_FULL
                self._fail(transfer, "customer_limit_exceed")
                continue
            tags = contact.followers.pop(transfer.handover)
            contact.followers.setdefault(transfer.takeover, tags)
            transfer.status = limits.TRANSFER_DONE
            transfer.takeover_time = int(transfer.started_at + limits.TAKEOVER_DELAY_S)

    def take_failures(self) -> list[TransferFailure]:
        """The `transfer_fail` callbacks owed so far, each handed out once."""
        owed, self.failures = self.failures, []
        return owed

    def limit_of(self, userid: str) -> int:
        return self.receiver_limits.get(userid, limits.CUSTOMERS_PER_MEMBER_DEFAULT)

    @staticmethod
    def customers_of(userid: str, contacts: dict[str, ExternalContact]) -> int:
        return sum(1 for contact in contacts.values() if userid in contact.followers)

    def _fail(self, transfer: Transfer, reason: FailReason) -> None:
        self.failures.append(
            TransferFailure(transfer.takeover, transfer.external_userid, reason, self.clock())
        )
