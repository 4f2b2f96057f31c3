"""Tunable numbers of the API client, with units in their names."""

from typing import Final

OA_API_BASE: Final = "https://api.weixin.qq.com"
WECOM_API_BASE: Final = "https://qyapi.weixin.qq.com"

# Total time for one HTTP call, connect to last byte.
CALL_TIMEOUT_S: Final = 5.0
# Tokens leave our cache this long before the server's expiry. stable_token
# renews 5 minutes early, so with a larger margin our normal-mode fetch
# always finds the renewed token rather than one about to die.
TOKEN_EXPIRY_MARGIN_S: Final = 360.0
# A refresher that died must not block the others for long, but the lock has
# to outlive one token fetch.
TOKEN_LOCK_TTL_S: Final = 2 * CALL_TIMEOUT_S
# How long a process waits for another's refresh before giving up.
TOKEN_WAIT_S: Final = TOKEN_LOCK_TTL_S + 2.0
TOKEN_POLL_INTERVAL_S: Final = 0.05

# `tags/members/batchtagging` and `batchuntagging` take at most 50 openids.
BATCH_TAGGING_MAX: Final = 50
# `showqrcode` lives on the mp host, not the API host.
SHOWQRCODE_BASE: Final = "https://mp.weixin.qq.com"
