"""A local HTTP webhook (http.server on 127.0.0.1 in a thread) standing in for Slack: it answers a script of
replies and records every request."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET_PATH = "/services/T0000/B0000/not-a-real-secret"


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str = "ok"
    delay: float = 0.0  # seconds before answering (read timeouts)


@dataclass
class Webhook:
    url: str
    script: list[Reply]  # replies in order; the last one repeats
    requests: list[dict[str, Any]] = field(default_factory=list)

    def next_reply(self) -> Reply:
        return self.script[min(len(self.requests) - 1, len(self.script) - 1)]


@contextmanager
def webhook(*script: Reply) -> Iterator[Webhook]:
    hook = Webhook("", list(script) or [Reply()])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            hook.requests.append(
                {"at": time.monotonic(), "path": self.path, "json": json.loads(body), "headers": dict(self.headers)}
            )
            reply = hook.next_reply()
            if reply.delay:
                time.sleep(reply.delay)
            try:
                payload = reply.body.encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"http://127.0.0.1:{server.server_address[1]}{SECRET_PATH}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
