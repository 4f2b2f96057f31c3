"""Cache keys of the API client; one prefix so tests can isolate and clean them."""

from typing import Final

KEY_PREFIX: Final = "wxbot:wxapi:"


def oa_token_key(prefix: str, appid: str) -> str:
    """The cached OA access token of `appid`."""
    return f"{prefix}oa-token:{appid}"


def wecom_token_key(prefix: str, corpid: str, agentid: int) -> str:
    """The cached WeCom access token of one app (corp + agent)."""
    return f"{prefix}wecom-token:{corpid}:{agentid}"


def lock_key(token_key: str) -> str:
    """The lock that lets one process at a time refresh `token_key`."""
    return f"{token_key}:lock"
