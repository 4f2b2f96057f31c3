"""WeRoBot, the bot issue 23 compares `serve` with, on gunicorn: the same encrypted text
messages answered with a text reply, nothing stored.

WeRoBot is a synchronous WSGI framework; gunicorn's sync workers serve it (one by
default, gunicorn's own default, as `serve` has one serving process; two beside
`serve --workers 2`). Its session store is off: the issue
measured it storing nothing. Installed with the `bench` extra; without it,
bench/callback.py reports WeRoBot's ratio to the bare pipeline from the issue instead.

    python -m bench.werobot_baseline PORT [WORKERS]
"""

from __future__ import annotations

import sys
from typing import Any

from gunicorn.app.base import BaseApplication
from werobot import WeRoBot

from bench.workload import AES_KEY, APP_ID, TOKEN


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn run from Python, with its settings here rather than on a command line."""

    def __init__(self, app: Any, port: int, workers: int) -> None:
        self._app, self._port, self._workers = app, port, workers
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", f"127.0.0.1:{self._port}")
        self.cfg.set("workers", self._workers)
        self.cfg.set("loglevel", "warning")

    def load(self) -> Any:
        return self._app


def serve(port: int, workers: int) -> None:
    robot = WeRoBot(token=TOKEN, app_id=APP_ID, encoding_aes_key=AES_KEY, SESSION_STORAGE=False)
    robot.add_handler(lambda message: f"收到: {message.content}", type="text")
    _Gunicorn(robot.wsgi, port, workers).run()


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1)
