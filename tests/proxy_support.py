"""The portal under gunicorn behind a small reverse proxy, for tests that need real addresses.

``portal_behind_proxy(env)`` starts gunicorn on the test database and, in front of it, a
threaded HTTP proxy that does what a load balancer does: it appends the address of the
connection it accepted to X-Forwarded-For. ``Visitor("127.0.0.23", base_url)`` is a browser
that connects *from* that loopback address (the whole 127/8 is local on Linux), with its own
cookies, so each visitor really arrives from a different address.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.server import free_port

ROOT = Path(__file__).resolve().parent.parent
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate"}


def _proxy_handler(upstream_port: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            previous = self.headers.get("X-Forwarded-For")
            client = self.client_address[0]
            headers["X-Forwarded-For"] = f"{previous}, {client}" if previous else client
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            self.send_response(answer.status, answer.reason)
            for key, value in answer.getheaders():
                if key.lower() not in HOP_BY_HOP | {"content-length"}:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            upstream.close()

        do_GET = do_POST = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextlib.contextmanager
def portal_behind_proxy(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """gunicorn (one worker) with ``env``, and a proxy in front; yields the proxy's URL."""
    gunicorn_port = free_port()
    python = str(Path(sys.executable))
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [python, "-m", "gunicorn", "kptportal.wsgi", "--bind", f"127.0.0.1:{gunicorn_port}",
             "--workers", "1", "--threads", "4", "--timeout", "60"],
            cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        proxy = ThreadingHTTPServer(("127.0.0.1", 0), _proxy_handler(gunicorn_port))
        thread = threading.Thread(target=proxy.serve_forever, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", gunicorn_port), timeout=1):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("gunicorn did not start:\n"
                                           + log_path.read_text()[-3000:]) from None
                    time.sleep(0.2)
            yield f"http://127.0.0.1:{proxy.server_address[1]}"
        finally:
            proxy.shutdown()
            proxy.server_close()
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class Visitor:
    """A browser at ``address``: keeps its cookies and sends Django's CSRF token back."""

    def __init__(self, address: str, base_url: str) -> None:
        self.address = address
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60,
                                                source_address=(self.address, 0))
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                "Host": f"{self.host}:{self.port}", **(headers or {})}
        body = None
        if fields is not None:
            body = urlencode({**fields, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent.setdefault("Origin", f"http://{self.host}:{self.port}")
        connection.request(method, path, body=body, headers=sent)
        answer = connection.getresponse()
        for key, value in answer.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        text = answer.read().decode("utf-8", "replace")
        connection.close()
        return answer.status, text

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str],
             headers: dict[str, str] | None = None) -> tuple[int, str]:
        return self.request("POST", path, fields, headers)


def csrf_from(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return found.group(1) if found else ""
