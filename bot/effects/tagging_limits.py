"""Tunable numbers and cache keys of tag mirroring and expiry, with units in the names."""

from __future__ import annotations

from typing import Final

# Tag name → id caches. Ids only change when someone deletes a tag in the
# console; a stale id shows up as 45159 / 40068 and is forgotten then.
OA_TAG_ID_KEY: Final = "wxbot:oatag"
CORP_TAG_ID_KEY: Final = "wxbot:corptag"
TAG_ID_TTL_S: Final = 24 * 3600.0

# WeChat's limits, for the log lines that say one was hit.
OA_TAGS_PER_ACCOUNT_MAX: Final = 100
OA_TAGS_PER_USER_MAX: Final = 20
