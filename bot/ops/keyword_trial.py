"""Try a message against the live table or an unpublished draft: shared by the admin
JSON API and the admin site, so both answer "which rule fires, and why" the same way."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.ops.keyword_ops import BAD_REQUEST, INVALID, KeywordOpsError, KeywordStore
from bot.runtime.keyword_tables import KeywordTables
from keywords.explain import Explanation, explain_signal
from keywords.matcher import KeywordMatcher, Signal
from keywords.segmenter import Segmenter
from keywords.table_rows import ParsedTable
from storage.tables.keywords import SHARED_ACCOUNT


class KeywordTrial:
    """Holds a sandbox jieba dictionary for drafts, so their words never leak into the
    live tables' dictionary."""

    def __init__(self) -> None:
        self._sandbox: Segmenter | None = None
        self._sandbox_lock = asyncio.Lock()

    async def _sandbox_segmenter(self) -> Segmenter:
        async with self._sandbox_lock:
            if self._sandbox is None:
                segmenter = Segmenter()
                await asyncio.to_thread(segmenter.initialize)
                self._sandbox = segmenter
            return self._sandbox

    async def explain(
        self,
        store: KeywordStore,
        tables: KeywordTables,
        account: str,
        signal: Signal,
        now: datetime,
        *,
        draft: ParsedTable | None = None,
    ) -> Explanation:
        """What `account` answers to `signal` at `now`: with `draft` in place of its own
        rules (the shared rules still apply after them), else with what is live."""
        account = store.check_account(account)
        if draft is not None:
            if draft.errors:
                raise KeywordOpsError(INVALID, "the table has errors", draft.problems)
            shared = (await store.live(SHARED_ACCOUNT)).rules if account != SHARED_ACCOUNT else ()
            matcher = await asyncio.to_thread(
                KeywordMatcher, [*draft.rules, *shared], await self._sandbox_segmenter()
            )
        elif account == SHARED_ACCOUNT:
            raise KeywordOpsError(BAD_REQUEST, "test the shared table through an account")
        else:
            matcher = tables.matcher_for(account)
        return explain_signal(matcher, signal, now)
