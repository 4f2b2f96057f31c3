"""The fake's whole world: accounts, corps, tokens, what was sent, queued faults.

Tests build one `FakeWeChat`, configure it with the `add_*` methods, hand it
to `create_fake_app`, and assert on the lists it fills. Everything is plain
data in one object, so there is no hidden module state between tests.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections import deque
from collections.abc import Callable

from fakewechat import limits
from fakewechat.menu_book import AccountMenus
from fakewechat.records import (
    Account,
    CallRecord,
    CardUpdate,
    ContactWay,
    Corp,
    CorpTag,
    CustomMessage,
    ExternalContact,
    Family,
    Fault,
    Follower,
    IssuedToken,
    MsgTemplateTask,
    QrTicket,
    TemplateMessage,
    WebhookMessage,
    WeComMessage,
    WelcomeCode,
    WelcomeMessage,
)
from fakewechat.transfer_book import TransferBook


class FakeWeChat:
    """State shared by the fake OA and WeCom servers."""

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        *,
        enforce_service_window: bool = False,
        auto_followers: bool = False,
    ) -> None:
        self.clock = clock
        # Off by default so simulations can push freely; turn on to get the
        # real 48 h / 5 messages rule (45015, 45047).
        self.enforce_service_window = enforce_service_window
        # The demo and the simulator cannot pre-register followers: with this on, any
        # openid of a known account is taken as a follower who just messaged.
        self.auto_followers = auto_followers
        self.accounts: dict[str, Account] = {}
        self.followers: dict[tuple[str, str], Follower] = {}
        self.corps: dict[str, Corp] = {}
        self.external_contacts: dict[str, ExternalContact] = {}
        self.corp_tags: dict[str, CorpTag] = {}
        self.webhook_keys: set[str] = set()
        self.tokens: dict[str, IssuedToken] = {}
        # Tokens from `cgi-bin/token` that die at a given time (the overlap).
        self.token_deadlines: dict[str, float] = {}
        # The newest token per (channel, owner): channel is token/stable/wecom.
        self.latest_tokens: dict[tuple[str, str], str] = {}
        self.stable_force_refreshes: dict[str, list[float]] = {}
        self.blocked_openids: dict[str, int] = {}
        self.calls: list[CallRecord] = []
        self.custom_messages: list[CustomMessage] = []
        self.wecom_messages: list[WeComMessage] = []
        self.card_updates: list[CardUpdate] = []
        self.webhook_messages: list[WebhookMessage] = []
        self.template_messages: list[TemplateMessage] = []
        self.msg_templates: list[MsgTemplateTask] = []
        # (openid, template_id) pairs a user accepted in the subscribe pop-up.
        self.subscribe_consents: set[tuple[str, str]] = set()
        # Known template ids; empty: any id is accepted.
        self.template_ids: set[str] = set()
        self.duplicates_suppressed = 0
        # Fingerprint of a sent WeCom message → (sent at, msgid), for dedup.
        self.wecom_fingerprints: dict[str, tuple[float, str]] = {}
        # Unused template-card response codes → time issued.
        self.response_codes: dict[str, float] = {}
        self.webhook_sends: dict[str, list[float]] = {}
        self.faults: dict[str, deque[Fault]] = {}
        self.menus: dict[str, AccountMenus] = {}
        self.qr_tickets: dict[str, QrTicket] = {}
        self.contact_ways: dict[str, ContactWay] = {}
        self.welcome_codes: dict[str, WelcomeCode] = {}
        self.welcomes: list[WelcomeMessage] = []
        # Customer transfers, members who left, refusals and receivers' limits; on the
        # fake's clock even when a simulation swaps `self.clock` later.
        self.transfer_book = TransferBook(self.now)
        self._ids = itertools.count(1)

    def now(self) -> float:
        """The fake's current time in epoch seconds."""
        return self.clock()

    def next_id(self) -> int:
        """A fresh integer for msgids, tag ids and the like."""
        return next(self._ids)

    # --- configuration ----------------------------------------------------
    def add_account(self, appid: str, secret: str) -> Account:
        """Register an official account."""
        account = Account(appid=appid, secret=secret, next_tag_id=limits.FIRST_CUSTOM_TAG_ID)
        self.accounts[appid] = account
        return account

    def add_follower(
        self,
        appid: str,
        openid: str,
        *,
        unionid: str | None = None,
        subscribed: bool = True,
        qr_scene_str: str = "",
    ) -> Follower:
        """Register a user of `appid`; `unionid` only when the account is bound."""
        follower = Follower(
            appid=appid,
            openid=openid,
            subscribed=subscribed,
            unionid=unionid,
            subscribe_time=int(self.now()),
            qr_scene_str=qr_scene_str,
            last_interaction_at=self.now(),
        )
        self.followers[(appid, openid)] = follower
        return follower

    def record_interaction(self, appid: str, openid: str) -> None:
        """The follower just messaged the account: reopen the 48 h window."""
        follower = self.followers[(appid, openid)]
        follower.last_interaction_at = self.now()
        follower.sent_since_interaction = 0

    def add_corp(
        self, corpid: str, agent_secrets: dict[int, str], members: set[str] | None = None
    ) -> Corp:
        """Register a WeCom corp with one secret per agent and its members."""
        corp = Corp(corpid=corpid, agent_secrets=dict(agent_secrets), members=set(members or ()))
        self.corps[corpid] = corp
        return corp

    def add_external_contact(
        self, external_userid: str, name: str, followers: list[str], unionid: str | None = None
    ) -> ExternalContact:
        """Register a customer added by each staff member in `followers`."""
        contact = ExternalContact(
            external_userid=external_userid,
            name=name,
            unionid=unionid,
            followers={userid: [] for userid in followers},
        )
        self.external_contacts[external_userid] = contact
        return contact

    def add_corp_tag(self, group_name: str, name: str, group_id: str | None = None) -> CorpTag:
        """Create a customer tag (and its group when `group_id` is None)."""
        if group_id is None:
            existing = [t.group_id for t in self.corp_tags.values() if t.group_name == group_name]
            group_id = existing[0] if existing else f"etgroup{self.next_id()}"
        tag = CorpTag(
            tag_id=f"et{self.next_id()}",
            name=name,
            group_id=group_id,
            group_name=group_name,
            created_at=int(self.now()),
        )
        self.corp_tags[tag.tag_id] = tag
        return tag

    def simulate_add(
        self, state: str, external_userid: str, name: str, *, corpid: str | None = None
    ) -> WelcomeCode:
        """A customer adds a member through the contact way with `state`: the fake picks
        the member as WeCom does (the way's members in turn), records the relation and
        issues the `WelcomeCode` the add event carries."""
        ways = [w for w in self.contact_ways.values() if w.state == state]
        if not ways or not ways[-1].users:
            raise KeyError(f"no contact way with state {state!r} and staff")
        way = ways[-1]
        userid = way.users[self.next_id() % len(way.users)]
        contact = self.external_contacts.get(external_userid)
        if contact is None:
            contact = self.add_external_contact(external_userid, name, [])
        contact.followers.setdefault(userid, [])
        return self.issue_welcome_code(corpid or way.corpid, userid, external_userid)

    def issue_welcome_code(self, corpid: str, userid: str, external_userid: str) -> WelcomeCode:
        """The code an `add_external_contact` event carries: 20 s, one send."""
        code = WelcomeCode(secrets.token_urlsafe(16), corpid, userid, external_userid, self.now())
        self.welcome_codes[code.code] = code
        return code

    def add_webhook(self, key: str) -> None:
        """Register a group-robot key."""
        self.webhook_keys.add(key)

    # --- tokens -----------------------------------------------------------
    def issue_token(
        self, family: Family, owner: str, agentid: int | None, ttl_s: float = limits.TOKEN_TTL_S
    ) -> IssuedToken:
        """Mint a new token valid for `ttl_s` from now."""
        token = IssuedToken(
            value=secrets.token_urlsafe(24),
            family=family,
            owner=owner,
            agentid=agentid,
            expires_at=self.now() + ttl_s,
        )
        self.tokens[token.value] = token
        return token

    # --- faults -----------------------------------------------------------
    def inject(
        self,
        path: str,
        *,
        errcode: int | None = None,
        http_status: int | None = None,
        delay_s: float = 0.0,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `path` fail, or with only a delay, answer late."""
        if errcode is None and http_status is None and delay_s <= 0:
            raise ValueError("inject() needs an errcode, an http_status or a delay")
        queue = self.faults.setdefault(path, deque())
        queue.extend(Fault(errcode, http_status, delay_s) for _ in range(times))

    def take_fault(self, path: str) -> Fault | None:
        """The next queued fault for `path`, if any."""
        queue = self.faults.get(path)
        return queue.popleft() if queue else None

    def block_openid(self, openid: str, errcode: int = limits.OUT_OF_SERVICE_WINDOW) -> None:
        """Make every custom message to `openid` fail with `errcode`."""
        self.blocked_openids[openid] = errcode

    def calls_to(self, path: str) -> list[CallRecord]:
        """The call log filtered to one path."""
        return [call for call in self.calls if call.path == path]

    def menus_of(self, appid: str) -> AccountMenus:
        """The custom menus of `appid` (none yet: an empty record)."""
        return self.menus.setdefault(appid, AccountMenus())

    def members_of(self, appid: str, tag_id: int) -> set[str]:
        """The openids of `appid` that carry `tag_id`."""
        return {
            f.openid
            for (app, _), f in self.followers.items()
            if app == appid and tag_id in f.tag_ids
        }
