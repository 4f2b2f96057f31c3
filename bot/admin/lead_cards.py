"""The lead board's cards, written out in Python once per page.

A board shows up to 240 cards; drawing each through template macros and translating
its labels card by card cost the page ~80 ms (`bench/admin.py`), so a card arrives at
the template as finished text: translated once per page, formatted per card.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.admin.names import Names
from bot.admin.reader import Reader
from bot.admin.vocabulary import LEAD_STATE
from filecheck.wording import N_
from storage.lead_models import Lead
from storage.reads.people import PersonCard


@dataclass(frozen=True)
class CardView:
    """One card: `name` is None for a person no platform named (the page says who)."""

    lead: Lead
    name: str | None
    phone: str | None  # masked for viewers
    channel: str | None
    age: str
    since: str
    owner: str | None  # the salesperson's name; None: the pool
    state: str
    last_message: str | None


def card_views(
    leads: Sequence[Lead],
    people: Mapping[int, PersonCard],
    *,
    words: Reader,
    who: Names,
    mask: Callable[[str], str],
    now: datetime,
) -> list[CardView]:
    cards = []
    for lead in leads:
        person = people.get(lead.profile_id)
        # A lead made before the person's first scan has no channel of its own.
        key = lead.channel or (person.first_channel if person else None)
        cards.append(
            CardView(
                lead,
                person.name if person else None,
                mask(person.phone) if person and person.phone else None,
                who.channel(key),
                words.duration(now - lead.created_at),
                words.time(lead.created_at),
                who.salesperson(lead.owner),
                words.label(LEAD_STATE, lead.state),
                mask(person.last_message) if person and person.last_message else None,
            )
        )
    return cards


def card_labels(words: Reader) -> dict[str, str]:
    """The words every card repeats, translated once."""
    return {
        "owner": words.gettext(N_("Owner")),
        "pool": words.gettext(N_("Pool")),
        "no_phone": words.gettext(N_("No phone")),
        "no_channel": words.gettext(N_("No channel")),
        "lead_since": words.gettext(N_("Lead since %(time)s")),
        "locked": words.gettext(N_("Locked")),
        "locked_means": words.gettext(N_("Do not disturb: won and locked")),
        "follower": words.gettext(N_("Follower #%(id)s")),
        "reassign": words.gettext(N_("Reassign")),
        "reassign_to": words.gettext(N_("Reassign to")),
    }
