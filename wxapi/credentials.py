"""Credentials of an official account and of a WeCom app; secrets never in reprs."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OfficialAccountCredentials:
    """AppID and AppSecret of one official account."""

    appid: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class WeComCredentials:
    """One WeCom app: corp id, agent id and that app's secret."""

    corpid: str
    agentid: int
    secret: str = field(repr=False)
