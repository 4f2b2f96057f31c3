"""The shipped nginx config: `nginx -t` accepts it, and it really proxies a callback.

Debian's `nginx` runs the shipped `deploy/nginx/wxbot.conf` with only the
certificate paths, the ports and the upstream address rewritten for the test:
WeChat's GET verification reaches the bot over HTTPS, the fake API and the
metrics stay closed. Left out (and said in the header) where nginx is not installed.
"""

from __future__ import annotations

import asyncio
import datetime
import re
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.app import Background, create_app
from bot.config.settings import Settings
from bot.testing.wechat_player import WeChatPlayer
from tests.conftest import ClientFactory

pytestmark = pytest.mark.nginx

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "deploy" / "nginx" / "wxbot.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bot.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _main_conf(folder: Path, upstream: str, http_port: int, https_port: int) -> Path:
    """nginx.conf around the shipped server blocks, with everything in `folder`."""
    cert, key = _self_signed(folder)
    site = SHIPPED.read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/wxbot/fullchain.pem", str(cert))
    site = site.replace("/etc/ssl/wxbot/privkey.pem", str(key))
    site = site.replace("server 127.0.0.1:8080;", f"server {upstream};")
    site = re.sub(r"listen 80;", f"listen 127.0.0.1:{http_port};", site)
    site = re.sub(r"listen 443 ", f"listen 127.0.0.1:{https_port} ", site)
    (folder / "wxbot.conf").write_text(site, encoding="utf-8")
    main = folder / "nginx.conf"
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                           "uwsgi", "scgi")
    )  # fmt: skip
    main.write_text(
        f"""
user root;
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
{temp}
    include {folder / "wxbot.conf"};
}}
""",
        encoding="utf-8",
    )
    return main


def test_nginx_accepts_the_shipped_config(tmp_path: Path) -> None:
    main = _main_conf(tmp_path, "127.0.0.1:8080", _free_port(), _free_port())
    done = subprocess.run(  # noqa: S603 - the system nginx, our own config
        [NGINX, "-t", "-c", str(main), "-e", str(tmp_path / "error.log")],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


@pytest.fixture
async def nginx_in_front(
    settings: Settings, aiohttp_client: ClientFactory, tmp_path: Path
) -> AsyncIterator[str]:
    """The bot on loopback, nginx in front of it; nginx's HTTPS base URL."""
    bot = await aiohttp_client(create_app(settings, background=Background.nothing()))
    upstream = f"127.0.0.1:{bot.port}"
    https_port = _free_port()
    main = _main_conf(tmp_path, upstream, _free_port(), https_port)
    nginx = await asyncio.create_subprocess_exec(
        NGINX, "-c", str(main), "-e", str(tmp_path / "error.log"),
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(50):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", https_port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        yield f"https://127.0.0.1:{https_port}"
    finally:
        nginx.terminate()
        await nginx.wait()


async def test_nginx_proxies_wechats_url_check_and_closes_the_rest(
    nginx_in_front: str, player: WeChatPlayer
) -> None:
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    connector = aiohttp.TCPConnector(ssl=insecure)
    async with aiohttp.ClientSession(connector=connector) as http:
        query = player.url_check("echo-through-nginx")
        async with http.get(f"{nginx_in_front}/wechat/main", params=query) as response:
            assert (response.status, await response.text()) == (200, "echo-through-nginx")
        # nginx itself refuses what is not wxbot's (the bot would answer with aiohttp's 404).
        async with http.get(f"{nginx_in_front}/_fake/cgi-bin/token") as response:
            assert response.status == 404
            assert response.headers["Server"].startswith("nginx")
        # /metrics is allowed from loopback only, which the test client is.
        async with http.get(f"{nginx_in_front}/metrics") as response:
            assert response.status == 200
            assert "wxbot_" in await response.text()
