"""`wxbot simulate`: one callback to a running bot, as WeChat's or WeCom's server sends it.

Both sides of the demo: a follower writing to the official account (the default),
and with `--wecom USERID` a salesperson chatting with the WeCom app ("认领 1").
"""

from __future__ import annotations

import argparse
import sys
from http import HTTPStatus
from typing import Any

import aiohttp

from bot.cli.errors import UsageError
from bot.cli.simulate_menu import menu_tap
from bot.config.settings import Settings, WeChatAccount, WeComApp
from bot.testing.wechat_player import Callback, WeChatPlayer
from bot.testing.wecom_player import WeComPlayer

_EPILOG = """\
the follower's side (official account, POST /wechat/<account>):
  wxbot simulate "价格多少"                  a text message
  wxbot simulate --voice "价格多少"          a voice message with speech recognition
  wxbot simulate --click MENU_PRICE        a menu click
  wxbot simulate --menu                    the menu this follower sees (WeChat's trymatch)
  wxbot simulate --menu 预约试驾            a tap on that button of it
  wxbot simulate --subscribe spring_expo   a follow through a parametric QR code
  wxbot simulate --aes "我想试驾"            safe mode: encrypted both ways
  wxbot simulate --scan spring_expo        a follower scans a channel's code
the salesperson's side (WeCom app of [leads], POST /wecom/<app>):
  wxbot simulate --wecom zhangsan "认领 1"    claim lead #1 (帮助 / help lists the commands)
  wxbot simulate --add spring_expo         a customer adds staff through a channel's
                                           contact-me code (the demo's fake API picks the
                                           member and issues the WelcomeCode)
"""


def add_simulate_parser(commands: argparse._SubParsersAction[Any]) -> None:
    sim = commands.add_parser(
        "simulate",
        help="send a callback to a running bot as WeChat (a follower) or WeCom (staff) does",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sim.add_argument("text", nargs="?", help="the message text (follower or staff member)")
    kind = sim.add_mutually_exclusive_group()
    kind.add_argument("--click", metavar="KEY", help="a menu click with this EventKey")
    kind.add_argument(
        "--menu", nargs="?", const="", metavar="BUTTON",
        help="list the menu the follower sees; with a button name, tap it",
    )  # fmt: skip
    kind.add_argument(
        "--subscribe", nargs="?", const="", metavar="SCENE", help="a follow, optionally by QR scene"
    )
    kind.add_argument("--scan", metavar="SCENE", help="an already-following user scans a QR code")
    kind.add_argument("--voice", metavar="TEXT", help="a voice message WeChat recognised as TEXT")
    kind.add_argument(
        "--wecom", metavar="USERID", help="play this WeCom staff member writing to the app"
    )
    kind.add_argument(
        "--add", metavar="CHANNEL", help="a customer adds staff through this channel's code"
    )
    sim.add_argument("--customer", default="wm_simulated_customer", help="with --add: who")
    sim.add_argument("--name", default="王先生", help="with --add: the customer's name")
    sim.add_argument("--aes", action="store_true", help="safe mode: encrypt the callback")
    sim.add_argument("--account", help="[[wechat]] name (default: the first)")
    sim.add_argument("--openid", default="o_simulated_follower", help="the follower's openid")
    sim.add_argument("--url", help="the bot's base URL (default: from [server])")


async def _callback(
    player: WeChatPlayer, args: argparse.Namespace, account: WeChatAccount, *, aes: bool
) -> Callback | None:
    """The callback to send; None when there is none (a menu listed, a button WeChat answers)."""
    if args.menu is not None:
        tap = await menu_tap(player, account, args.openid, args.menu)
        if tap is None:
            return None
        xml = tap
    elif args.click is not None:
        xml = player.event(args.openid, "CLICK", args.click)
    elif args.subscribe is not None:
        scene = f"qrscene_{args.subscribe}" if args.subscribe else None
        xml = player.event(args.openid, "subscribe", scene)
    elif args.scan is not None:
        xml = player.event(args.openid, "SCAN", args.scan)
    elif args.voice is not None:
        xml = player.voice(args.openid, args.voice)
    else:
        xml = player.text(args.openid, args.text or "")
    return player.callback(xml, aes=aes)


async def _post(base: str, path: str, callback: Callback, refused_hint: str = "") -> str:
    """The bot's answer; a bot that is not there is the user's to start.

    `refused_hint` is added to a 403's line: what the user might change.
    """
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{base}{path}", params=callback.query, data=callback.body) as response,
        ):
            answer = await response.text()
    except aiohttp.ClientConnectionError:
        raise UsageError(f"nothing answers at {base}: is `wxbot serve` running?") from None
    if response.status != HTTPStatus.OK:
        hint = refused_hint if response.status == HTTPStatus.FORBIDDEN else ""
        raise UsageError(
            f"the bot answered HTTP {response.status} at {path}: {answer.strip()}{hint}"
        )
    return answer


def _base(settings: Settings, args: argparse.Namespace) -> str:
    return str(args.url or f"http://{settings.server.host}:{settings.server.port}").rstrip("/")


async def simulate(settings: Settings, args: argparse.Namespace) -> int:
    """Send one callback and print the bot's reply."""
    if args.wecom is not None:
        return await _simulate_staff(settings, args)
    if getattr(args, "add", None) is not None:  # callers may build the namespace by hand
        return await _simulate_add(settings, args)
    known = ", ".join(account.name for account in settings.wechat) or "none"
    account = settings.account(args.account) if args.account else next(iter(settings.wechat), None)
    if account is None:
        wanted = f" {args.account!r}" if args.account else ""
        raise UsageError(f"no [[wechat]] account{wanted} in {settings.source} (known: {known})")
    if args.aes and not account.encoding_aes_key:
        raise UsageError(f"account {account.name} has no encoding_aes_key for --aes")
    player = WeChatPlayer(account.token.reveal(), account.app_id, account.encoding_aes_key.reveal())
    # An account that refuses plaintext gets what WeChat would send it: safe mode.
    callback = await _callback(player, args, account, aes=args.aes or account.require_encryption)
    if callback is None:
        return 0
    # A plaintext callback refused: the running bot's config wants encryption.
    hint = "" if callback.aes else " (if the bot wants encrypted callbacks: add --aes)"
    answer = await _post(_base(settings, args), f"/wechat/{account.name}", callback, hint)
    reply = player.read_reply(callback, answer)
    if not reply:
        sys.stdout.write("(no reply)\n")
    for name in ("Content", "MediaId", "ArticleCount"):
        if name in reply:
            sys.stdout.write(f"{reply[name]}\n")
    return 0


def _staff_app(settings: Settings) -> WeComApp:
    name = settings.leads.wecom if settings.leads is not None else None
    app = settings.wecom_app(name) if name else next(iter(settings.wecom), None)
    if app is None:
        raise UsageError(f"no [[wecom]] app in {settings.source} to play a staff member against")
    return app


async def _simulate_staff(settings: Settings, args: argparse.Namespace) -> int:
    if not args.text:
        raise UsageError('--wecom needs the message text, e.g. --wecom zhangsan "认领 1"')
    app = _staff_app(settings)
    player = WeComPlayer(
        app.token.reveal(), app.corp_id, app.encoding_aes_key.reveal(), app.agent_id
    )
    callback = player.callback(player.text(args.wecom, args.text))
    answer = await _post(_base(settings, args), f"/wecom/{app.name}", callback)
    reply = player.read_reply(answer)
    sys.stdout.write(f"{reply.get('Content', '(no reply)')}\n")
    return 0


async def _simulate_add(settings: Settings, args: argparse.Namespace) -> int:
    """Ask the demo's fake API for an add through the channel's way, then play its event."""
    app = _staff_app(settings)
    base = _base(settings, args)
    body = {"state": args.add, "external_userid": args.customer, "name": args.name}
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{base}/_fake/_sim/add_contact", json=body) as response,
        ):
            found = await response.json() if response.status == HTTPStatus.OK else None
    except aiohttp.ClientConnectionError:
        raise UsageError(f"nothing answers at {base}: is `wxbot serve` running?") from None
    if found is None:
        raise UsageError(
            f"the demo's fake API has no contact way for {args.add!r}: is it a channel with"
            " [channel.wecom], and did the bot make its code (`wxbot channels show`)?"
        )
    player = WeComPlayer(
        app.token.reveal(), app.corp_id, app.encoding_aes_key.reveal(), app.agent_id
    )
    xml = player.contact_change(
        "add_external_contact", found["userid"], args.customer, args.add, found["welcome_code"]
    )
    await _post(base, f"/wecom/{app.name}", player.callback(xml))
    sys.stdout.write(f"{args.name} ({args.customer}) added {found['userid']} through {args.add}\n")
    return 0
