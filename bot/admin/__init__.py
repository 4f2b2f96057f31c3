"""The admin site at /admin/: server-rendered pages (aiohttp-jinja2, htmx) for ops,
managers and viewers, signed in with a session cookie (the JSON API keeps its token)."""
