"""A small round-robin HTTP proxy in front of bot replicas, as an operator's nginx would be.

Each request goes to the next replica in turn, and every POST (a webhook update) is also
sent, at the same moment, to another replica: Telegram and Meta deliver an update again
when an answer is slow or lost, and the second copy may land on any replica.
"""

from __future__ import annotations

import http.client
import itertools
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class RoundRobin:
    """Which replica is next, and how many requests each one answered."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.served: Counter[int] = Counter()
        self._turn = itertools.cycle(range(len(ports)))
        self._lock = threading.Lock()

    def next(self) -> tuple[int, int]:
        """(this request's replica, another one for a redelivery)."""
        with self._lock:
            turn = next(self._turn)
        return self.ports[turn], self.ports[(turn + 1) % len(self.ports)]

    def count(self, port: int) -> None:
        """The replica on `port` answered one more request."""
        with self._lock:
            self.served[port] += 1


def forward(
    port: int, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request to the replica on `port`: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
        return response.status, kept, response.read()
    finally:
        connection.close()


def _redeliver(
    balancer: RoundRobin, port: int, method: str, path: str, body: bytes, headers: dict[str, str]
) -> None:
    """The second copy of an update; whatever that replica answers is nobody's business."""
    try:
        forward(port, method, path, body, headers)
    except OSError:
        return
    balancer.count(port)


def _handler(balancer: RoundRobin) -> type[BaseHTTPRequestHandler]:
    class Proxy(BaseHTTPRequestHandler):
        def _relay(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            port, other = balancer.next()
            copy = None
            if self.command == "POST":
                args = (balancer, other, self.command, self.path, body, headers)
                copy = threading.Thread(target=_redeliver, args=args, daemon=True)
                copy.start()
            status, kept, answer = forward(port, self.command, self.path, body, headers)
            balancer.count(port)
            if copy is not None:
                copy.join()
            self.send_response(status)
            for name, value in kept:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = _relay

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the replicas log their own requests."""

    return Proxy


@contextmanager
def round_robin(port: int, replicas: list[int]) -> Iterator[RoundRobin]:
    """The proxy on 127.0.0.1:`port` in front of `replicas` (their ports), until the end."""
    balancer = RoundRobin(replicas)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(balancer))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield balancer
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
