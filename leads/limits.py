"""Tunable numbers of the leads feature, with units in the names (job kinds: `leads.jobs`)."""

from __future__ import annotations

from typing import Final

# WeCom drops app messages beyond 30 a minute to one member without an error;
# alerts stop short of that so reminders and digests still get through.
ALERTS_PER_MINUTE: Final = 20
RATE_WINDOW_S: Final = 60
RATE_KEY: Final = "wxbot:leads:rate"
# WeCom's own duplicate check window for alerts (its default).
DUPLICATE_CHECK_S: Final = 1800
# The last messages a card shows, and how much of each.
CARD_MESSAGES: Final = 3
CARD_MESSAGE_CHARS: Final = 40
# WeCom requires a URL on a textcard; staff act on leads by commands anyway.
TEXTCARD_URL: Final = "https://work.weixin.qq.com/"

# Points and tags for a customer added through a "contact me" link.
CONTACT_ADDED_TAG: Final = "加企微"
CONTACT_ADDED_POINTS: Final = 20
CONTACT_STATE_TAG_PREFIX: Final = "渠道:"

# The sweeper: how often it runs, and its cross-process lock.
SWEEP_INTERVAL_S: Final = 30.0
SWEEP_LOCK_KEY: Final = "wxbot:leads:sweep-lock"
SWEEP_LOCK_TTL_S: Final = 120.0
TIMELINE_ENTRIES: Final = 10
# Days are counted in the sales team's timezone.
TEAM_TIMEZONE: Final = "Asia/Shanghai"
# A hand-over's digest lists this many leads, then "and N more": WeCom's markdown
# content holds at most 2048 bytes (message/send, developer.work.weixin.qq.com/document/path/90236).
HANDOVER_LINES: Final = 40
