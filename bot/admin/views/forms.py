"""Reading form fields and query values, with the site's one rule for redirects."""

from __future__ import annotations

from aiohttp import web
from multidict import MultiDictProxy

FormData = MultiDictProxy[str | bytes | bytearray | web.FileField]


def form_text(form: FormData, key: str, default: str = "") -> str:
    value = form.get(key, default)
    return value if isinstance(value, str) else default


def safe_next(target: str | None) -> str:
    """Only a path on this site: `next=https://evil.example` must not redirect off it."""
    if target and target.startswith("/admin/") and not target.startswith("//"):
        return target
    return "/admin/"


MAX_ID = 2**31 - 1  # row ids are 32-bit integers: a larger one names nothing


def query_id(request: web.Request, name: str) -> int | None:
    """A row id from the query string (a page's `before`), or None if it is not one."""
    raw = request.query.get(name, "")
    return int(raw) if raw.isdigit() and int(raw) <= MAX_ID else None


def page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    return max(1, int(raw)) if raw.isdigit() else 1
