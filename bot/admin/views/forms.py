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


def page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    return max(1, int(raw)) if raw.isdigit() else 1
