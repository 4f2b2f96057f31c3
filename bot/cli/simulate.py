"""`wxbot simulate`: one callback to a running bot, the way WeChat's server sends it."""

from __future__ import annotations

import argparse
import sys
from http import HTTPStatus

import aiohttp

from bot.config.settings import Settings
from bot.testing.wechat_player import Callback, WeChatPlayer


def _callback(player: WeChatPlayer, args: argparse.Namespace) -> Callback:
    if args.click is not None:
        xml = player.event(args.openid, "CLICK", args.click)
    elif args.subscribe is not None:
        scene = f"qrscene_{args.subscribe}" if args.subscribe else None
        xml = player.event(args.openid, "subscribe", scene)
    elif args.scan is not None:
        xml = player.event(args.openid, "SCAN", args.scan)
    else:
        xml = player.text(args.openid, args.text or "")
    return player.callback(xml, aes=args.aes)


async def simulate(settings: Settings, args: argparse.Namespace) -> int:
    account = settings.account(args.account) if args.account else next(iter(settings.wechat), None)
    if account is None:
        sys.stderr.write("no such [[wechat]] account in the config\n")
        return 2
    if args.aes and not account.encoding_aes_key:
        sys.stderr.write(f"account {account.name} has no encoding_aes_key for --aes\n")
        return 2
    player = WeChatPlayer(account.token.reveal(), account.app_id, account.encoding_aes_key.reveal())
    callback = _callback(player, args)
    base = args.url or f"http://{settings.server.host}:{settings.server.port}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{base}/wechat/{account.name}", params=callback.query, data=callback.body
        ) as response,
    ):
        answer = await response.text()
        if response.status != HTTPStatus.OK:
            sys.stderr.write(f"the bot answered HTTP {response.status}: {answer}\n")
            return 1
    reply = player.read_reply(callback, answer)
    if not reply:
        sys.stdout.write("(no reply)\n")
    for name in ("Content", "MediaId", "ArticleCount"):
        if name in reply:
            sys.stdout.write(f"{reply[name]}\n")
    return 0
