"""Reading a page as a person does: what it says, and whether it can be read at all.

`read_page` returns one line per finding (empty: the page reads right). The text
checks look at every visible text node, except inside elements the site marks as
data that is not translated (`translate="no"`: names, ids, codes, phone numbers,
what followers typed) and form fields (what ops type). The layout checks measure
the rendered page: overflow past the window or past a card, boxes that cut their
content off, and labels squeezed into one character per line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import ConsoleMessage, Page, Request, Response

# Latin words a Chinese page may show, each for a reason:
# CSV/XLSX are the file formats' names on the download and upload buttons;
# English is the language switch, written in the language it switches to;
# openid/unionid are WeChat's identifiers, named so in WeChat's own Chinese docs.
LATIN_ALLOWED = frozenset({"CSV", "XLSX", "English", "openid", "unionid"})

_READ = (Path(__file__).parent / "reading.js").read_text(encoding="utf-8")


@dataclass
class BrowserLog:
    """What the browser reported while pages loaded: script errors and failed requests."""

    problems: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        # A failed load is reported by `_response` with its URL; Chromium also logs one
        # for a page answered 4xx on purpose (a form sent back with its problems, 422).
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console error: {message.text}")

    def _failed(self, request: Request) -> None:
        # ERR_ABORTED is the browser cancelling a request itself, as it does to a favicon
        # still loading when the test goes on to the next page; an asset the server lacks
        # is a response >= 400 (`_response`), one it cannot serve another net error.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.problems.append(f"missing asset: {response.url} answered {response.status}")

    def take(self) -> list[str]:
        taken, self.problems = self.problems, []
        return taken


async def read_page(page: Page, lang: str) -> list[str]:
    """Every finding on the page as it is now rendered (see the module's docstring)."""
    script = _READ.replace("ALLOWED", repr(sorted(LATIN_ALLOWED)))
    found: list[str] = await page.evaluate(script, lang)
    return found
