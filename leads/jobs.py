"""The outbox job kinds of the leads feature, each with its typed payload."""

from __future__ import annotations

from dataclasses import dataclass

from storage.jobs import JobKind


@dataclass(frozen=True)
class LeadAlert:
    """One alert card to one salesperson: the facts it shows and what the buttons act on."""

    lead_id: int
    touser: str
    task_id: str
    title: str
    reason: str
    phone: str | None
    channel: str | None
    fields: list[list[str]]
    messages: list[str]
    # An urgent grade's alert skips the digest: it is what the digest must not delay.
    urgent: bool = False


@dataclass(frozen=True)
class LeadDigest:
    """Every alert held back in a burst to `touser`, merged into one message."""

    touser: str


@dataclass(frozen=True)
class HandoverDigest:
    """The one card a new owner gets for everything one hand-over gave them."""

    touser: str
    handover_id: int
    from_name: str
    lines: list[str]


@dataclass(frozen=True)
class StaffText:
    """A plain text notice to staff (`touser` is `|`-joined userids, as WeCom wants)."""

    touser: str
    text: str


@dataclass(frozen=True)
class CardUpdate:
    """Grey a clicked card's buttons out into one label."""

    userids: list[str]
    response_code: str
    button: dict[str, str]


@dataclass(frozen=True)
class ContactAdded:
    """A customer added a salesperson: look the contact up, then link it to a profile."""

    userid: str
    external_userid: str
    state: str


LEAD_ALERT = JobKind("lead.alert", LeadAlert)
LEAD_DIGEST = JobKind("lead.digest", LeadDigest)
HANDOVER_DIGEST = JobKind("lead.handover_digest", HandoverDigest)
WECOM_TEXT = JobKind("wecom.text", StaffText)
WECOM_CARD_UPDATE = JobKind("wecom.update_card", CardUpdate)
CONTACT_ADDED = JobKind("lead.contact_added", ContactAdded)
