"""Staff messages to the WeCom app: text commands and clicks on lead cards.

Replies to commands go back as the passive reply of the same callback
(encrypted by the route): it is immediate, needs no access token, works while
WeCom's API is down and does not use up the 30-a-minute app-message quota the
alerts need. Notices to other people (transfers, card updates) go through
the outbox.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from leads.alerts import CLAIM, card_update_job, parse_button, text_job
from leads.commands import Command, Usage, help_text, parse_command
from leads.lifecycle import LeadState
from leads.sales_actions import Answer, SalesActions
from leads.wording import verbatim
from storage.outbox import add_jobs

log = logging.getLogger(__name__)

NOT_STAFF = "抱歉，你不在销售名单中，不能使用线索命令。如需开通请联系管理员。"
TEXT_ONLY = "目前只支持文字命令，发送「帮助」查看可用命令"


class StaffCommandRunner:
    """Runs one staff member's command or card click inside the callback's transaction."""

    def __init__(self, desk: SalesActions) -> None:
        self._desk = desk
        self._policy = desk.policy

    def is_staff(self, userid: str) -> bool:
        # Someone who left the team is refused like a stranger; someone on leave is not.
        return self._policy.team.on_staff(userid)

    async def on_text(self, session: AsyncSession, userid: str, text: str) -> str:
        """The reply to a text message from `userid`."""
        if not self.is_staff(userid):
            log.warning("lead command refused: %s is not on the sales team", userid)
            return NOT_STAFF
        parsed = parse_command(text)
        if isinstance(parsed, Usage):
            return parsed.text
        answer = await self._run(session, userid, parsed)
        log.info("lead command %s by %s: ok=%s", parsed.name, userid, answer.ok)
        return answer.message.render(parsed.lang)

    async def _run(self, session: AsyncSession, userid: str, command: Command) -> Answer:
        desk = self._desk
        lead_id = command.lead_id or 0
        match command.name, command.state:
            case "claim", _:
                answer = await desk.claim(session, userid, lead_id)
            case "status", LeadState() as state:
                answer = await desk.set_state(session, userid, lead_id, state)
            case "note", _:
                answer = await desk.note(session, userid, lead_id, command.text)
            case "transfer", _:
                answer = await desk.transfer(session, userid, lead_id, command.text.split()[0])
            case "show", _:
                answer = await desk.show(session, lead_id)
            case "unlock", _:
                answer = await desk.unlock(session, userid, lead_id)
            case "mine", _:
                answer = await desk.mine(session, userid)
            case "pool", _:
                answer = await desk.pool(session)
            case "today", _:
                answer = await desk.today(session, userid)
            case _:
                answer = Answer(True, verbatim(help_text(command.lang)))
        return answer

    async def on_button(
        self, session: AsyncSession, userid: str, key: str, response_code: str
    ) -> None:
        """A click on Claim or Contacted: act, then grey the buttons out with the result."""
        button = parse_button(key)
        if button is None:
            log.warning("card click with unknown key %r from %s", key, userid)
            return
        action, lead_id = button
        if not self.is_staff(userid):
            log.warning("card click refused: %s is not on the sales team", userid)
            answer = Answer(False, verbatim(NOT_STAFF))
        elif action == CLAIM:
            answer = await self._desk.claim(session, userid, lead_id)
        else:
            answer = await self._desk.set_state(session, userid, lead_id, LeadState.CONTACTING)
        done = "已认领" if action == CLAIM else "已联系"
        jobs = [
            card_update_job(
                self._policy.wecom, userid, response_code, done if answer.ok else "未成功"
            )
        ]
        if not answer.ok:
            # The greyed-out button cannot say why; a short message can.
            jobs.append(
                text_job(self._policy.wecom, [userid], answer.text, f"click:{response_code}")
            )
        add_jobs(session, jobs, self._desk.now())
