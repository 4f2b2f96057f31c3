"""Our async WeChat Official Account / WeCom API client.

wechatpy's client is synchronous (requests): calling it from the aiohttp bot
would block the event loop for each HTTP round trip, and its token storage
is not designed for a lock shared across processes. This package is a small
aiohttp client instead: dependencies (session, cache, credentials, api_base)
are passed in, tokens live in the shared `storage.cache.Cache`, and every
failure is a `wxapi.errors.ApiError`.
"""

from wxapi.batching import chunked
from wxapi.credentials import OfficialAccountCredentials, WeComCredentials
from wxapi.errors import ApiError, TransportError
from wxapi.limits import BATCH_TAGGING_MAX, CALL_TIMEOUT_S
from wxapi.models import FollowerInfo, Tag
from wxapi.official_account import OfficialAccountClient
from wxapi.webhook import WebhookClient
from wxapi.wecom import WeComClient

__all__ = [
    "BATCH_TAGGING_MAX",
    "CALL_TIMEOUT_S",
    "ApiError",
    "FollowerInfo",
    "OfficialAccountClient",
    "OfficialAccountCredentials",
    "Tag",
    "TransportError",
    "WeComClient",
    "WeComCredentials",
    "WebhookClient",
    "chunked",
]
