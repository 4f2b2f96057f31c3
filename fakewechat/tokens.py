"""Token endpoints: OA `token` and `stable_token`, WeCom `gettoken`."""

from __future__ import annotations

from aiohttp import web

from fakewechat import limits, replies
from fakewechat.auth import read_json
from fakewechat.records import IssuedToken
from fakewechat.state import FakeWeChat

_DAY_S = 86400


def _check_app(state: FakeWeChat, grant_type: object, appid: object, secret: object) -> int | None:
    if grant_type != "client_credential":
        return limits.INVALID_GRANT_TYPE
    account = state.accounts.get(str(appid))
    if account is None:
        return limits.INVALID_APPID
    if secret != account.secret:
        return limits.INVALID_APPSECRET
    return None


def _live(state: FakeWeChat, value: str | None) -> IssuedToken | None:
    if value is None:
        return None
    token = state.tokens[value]
    deadline = state.token_deadlines.get(value)
    now = state.now()
    if now >= token.expires_at or (deadline is not None and now >= deadline):
        return None
    return token


def _expires_in(state: FakeWeChat, token: IssuedToken) -> int:
    return int(token.expires_at - state.now())


def token_routes(state: FakeWeChat) -> list[web.RouteDef]:
    """The three token endpoints bound to `state`."""

    async def classic_token(request: web.Request) -> web.Response:
        q = request.query
        errcode = _check_app(state, q.get("grant_type"), q.get("appid"), q.get("secret"))
        if errcode is not None:
            return replies.error(errcode)
        appid = q["appid"]
        previous = state.latest_tokens.get(("token", appid))
        if previous is not None:
            # A new fetch leaves the old token usable for a 5-minute overlap.
            deadline = state.now() + limits.TOKEN_OVERLAP_S
            state.token_deadlines[previous] = min(
                state.token_deadlines.get(previous, deadline), deadline
            )
        token = state.issue_token("oa", appid, None)
        state.latest_tokens[("token", appid)] = token.value
        return replies.bare(access_token=token.value, expires_in=limits.TOKEN_TTL_S)

    async def stable_token(request: web.Request) -> web.Response:
        body = await read_json(request)
        if body is None:
            return replies.error(limits.DATA_FORMAT_ERROR)
        errcode = _check_app(state, body.get("grant_type"), body.get("appid"), body.get("secret"))
        if errcode is not None:
            return replies.error(errcode)
        appid = str(body["appid"])
        current = _live(state, state.latest_tokens.get(("stable", appid)))
        if body.get("force_refresh") is True:
            errcode = _take_force_refresh(state, appid)
            if errcode is not None:
                return replies.error(errcode)
            if current is not None:
                # Force mode invalidates the previous token at once.
                state.token_deadlines[current.value] = state.now()
        elif current is not None and _expires_in(state, current) > limits.STABLE_RENEW_BEFORE_S:
            return replies.bare(access_token=current.value, expires_in=_expires_in(state, current))
        token = state.issue_token("oa", appid, None)
        state.latest_tokens[("stable", appid)] = token.value
        return replies.bare(access_token=token.value, expires_in=limits.TOKEN_TTL_S)

    async def wecom_token(request: web.Request) -> web.Response:
        corpid = request.query.get("corpid")
        secret = request.query.get("corpsecret")
        if not corpid:
            return replies.error(limits.MISSING_CORPID)
        if not secret:
            return replies.error(limits.MISSING_SECRET)
        corp = state.corps.get(corpid)
        if corp is None:
            return replies.error(limits.INVALID_APPID)
        agents = [agent for agent, s in corp.agent_secrets.items() if s == secret]
        if not agents:
            return replies.error(limits.INVALID_CREDENTIAL)
        owner = f"{corpid}:{agents[0]}"
        current = _live(state, state.latest_tokens.get(("wecom", owner)))
        if current is None:
            current = state.issue_token("wecom", corpid, agents[0])
            state.latest_tokens[("wecom", owner)] = current.value
        return replies.ok(access_token=current.value, expires_in=_expires_in(state, current))

    return [
        web.get("/cgi-bin/token", classic_token),
        web.post("/cgi-bin/stable_token", stable_token),
        web.get("/cgi-bin/gettoken", wecom_token),
    ]


def _take_force_refresh(state: FakeWeChat, appid: str) -> int | None:
    """Count a force refresh, or the errcode when the daily or 30 s limit says no."""
    now = state.now()
    log = state.stable_force_refreshes.setdefault(appid, [])
    today = [at for at in log if at // _DAY_S == now // _DAY_S]
    if len(today) >= limits.STABLE_FORCE_PER_DAY_MAX:
        return limits.QUOTA_DAILY
    if log and now - log[-1] < limits.STABLE_FORCE_INTERVAL_S:
        return limits.QUOTA_MINUTE
    log.append(now)
    return None
