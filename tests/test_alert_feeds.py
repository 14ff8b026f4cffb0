"""The early-warning feed poller against a real local HTTP server: conditional GETs,
feeds whose items link to CAP alerts, politeness after 429s and failures, size limits."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from bot.platform.clock import FixedClock
from bot.platform.config import Config
from bot.platform.store import Redis
from bot.services import Services
from broadcasts.alert_feeds import LINKS_PER_POLL, FeedPoller
from handlers.wiring import build_services
from tests.support.admins import RecordingDispatch
from tests.support.constants import ROOT

CAP = ROOT / "tests" / "data" / "cap"


class Site:
    """What the local server answers, path by path, and what it was asked."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        self.asked: list[tuple[str, dict[str, str]]] = []


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.site_asked()
            status, body, headers = site.pages.get(self.path, (404, b"", {}))
            etag = headers.get("ETag")
            if status == 200 and etag and etag == self.headers.get("If-None-Match"):
                status, body = 304, b""
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(ConnectionError):  # the poller stops reading at 1 MB
                self.wfile.write(body)

        def site_asked(self) -> None:
            site.asked.append((self.path, dict(self.headers)))

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@pytest.fixture
def site() -> Iterator[tuple[Site, str]]:
    """A feed host on a free loopback port, stopped after the test."""
    pages = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(pages))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield pages, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def with_feeds(config: Config, redis: Redis, clock: FixedClock, *feeds: str) -> Services:
    """The shipped config reading `feeds`, at the test documents' time."""
    alerts = config.alerts.model_copy(update={"feeds": list(feeds)})
    config = config.model_copy(update={"alerts": alerts})
    return build_services(config, redis, clock, RecordingDispatch())


def poll(services: Services) -> FeedPoller:
    """A poller with a real HTTP client."""
    return FeedPoller(services, httpx.Client(timeout=5))


def doc(name: str) -> bytes:
    """A CAP test document."""
    return (CAP / name).read_bytes()


def rss(base: str, *paths: str) -> bytes:
    """An RSS feed whose items link to `paths`."""
    items = "".join(f"<item><title>{p}</title><link>{base}{p}</link></item>" for p in paths)
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


def test_a_cap_document_is_ingested_once_then_asked_for_conditionally(
    site: tuple[Site, str], config: Config, redis: Redis, clock: FixedClock
) -> None:
    """The first poll stores the alert; the next sends If-None-Match and gets a 304."""
    pages, base = site
    pages.pages["/tsunami.xml"] = (200, doc("cilegon-tsunami.xml"), {"ETag": '"v1"'})
    services = with_feeds(config, redis, clock, base + "/tsunami.xml")
    first = poll(services).poll()
    assert (first.fetched, first.ingested, first.refused) == (1, 1, [])
    again = poll(services).poll()
    assert (again.unchanged, again.ingested) == (1, 0)
    assert pages.asked[-1][1].get("If-None-Match") == '"v1"'
    assert len(services.alerts.recent()) == 1


def test_a_feeds_items_are_followed_once_and_a_bad_one_is_refused_alone(
    site: tuple[Site, str], config: Config, redis: Redis, clock: FixedClock
) -> None:
    """Each new item link is fetched once; a malformed alert is refused and logged while
    the others are stored; a link seen before is not fetched again."""
    pages, base = site
    pages.pages["/a.xml"] = (200, doc("cilegon-tsunami.xml"), {})
    pages.pages["/b.xml"] = (200, doc("malformed.xml"), {})
    pages.pages["/c.xml"] = (200, doc("cilegon-tsunami-update.xml"), {})
    pages.pages["/rss"] = (200, rss(base, "/a.xml", "/b.xml", "/c.xml"), {})
    services = with_feeds(config, redis, clock, base + "/rss")
    done = poll(services).poll()
    assert done.ingested == 2
    assert [r.split(": ", 1)[0] for r in done.refused] == [base + "/b.xml"]
    asked = [path for path, _ in pages.asked]
    assert asked == ["/rss", "/a.xml", "/b.xml", "/c.xml"]
    pages.pages["/rss"] = (200, rss(base, "/a.xml", "/b.xml", "/c.xml", "/d.xml"), {})
    pages.pages["/d.xml"] = (200, doc("cilegon-tsunami-cancel.xml"), {})
    again = poll(services).poll()
    assert again.ingested == 1
    assert [path for path, _ in pages.asked][4:] == ["/rss", "/d.xml"]


def test_at_most_so_many_links_a_poll(
    site: tuple[Site, str], config: Config, redis: Redis, clock: FixedClock
) -> None:
    """A feed of 30 new links is read 20 at a time."""
    pages, base = site
    paths = [f"/x{n}.xml" for n in range(30)]
    for path in paths:
        pages.pages[path] = (200, doc("malformed.xml"), {})
    pages.pages["/rss"] = (200, rss(base, *paths), {})
    services = with_feeds(config, redis, clock, base + "/rss")
    assert len(poll(services).poll().refused) == LINKS_PER_POLL
    assert len(poll(services).poll().refused) == 30 - LINKS_PER_POLL


def test_a_429_waits_its_retry_after_and_failures_back_off(
    site: tuple[Site, str], config: Config, redis: Redis, clock: FixedClock
) -> None:
    """After a 429 with Retry-After: 600 the feed is left alone for ten minutes; a 500
    doubles the wait; an unreachable host fails cleanly; success resets it."""
    pages, base = site
    pages.pages["/busy"] = (429, b"slow down", {"Retry-After": "600"})
    pages.pages["/broken"] = (500, b"oops", {})
    services = with_feeds(
        config, redis, clock, base + "/busy", base + "/broken", "http://127.0.0.1:9/none"
    )
    first = poll(services).poll()
    assert len(first.refused) == 3
    assert first.refused[0].endswith("HTTP 429")
    clock.advance(130)  # the 429 asked for 600 s; the others wait 120 s after one failure
    later = poll(services).poll()
    assert (later.waiting, len(later.refused)) == (1, 2)
    clock.advance(480)  # their second failure doubled it to 240 s
    pages.pages["/busy"] = (200, doc("cilegon-tsunami.xml"), {})
    pages.pages["/broken"] = (200, doc("test-alert.xml"), {})
    recovered = poll(services).poll()
    assert recovered.ingested == 2
    assert poll(services).poll().duplicates == 2


def test_a_body_over_the_limit_is_dropped_unread(
    site: tuple[Site, str], config: Config, redis: Redis, clock: FixedClock, tmp_path: Path
) -> None:
    """A 5 MB answer is refused after the first megabyte; nothing is stored."""
    pages, base = site
    pages.pages["/huge"] = (200, b"<alert>" + b" " * 5_000_000, {})
    services = with_feeds(config, redis, clock, base + "/huge")
    done = poll(services).poll()
    assert done.refused == [f"{base}/huge: larger than 1,000,000 bytes"]
    assert services.alerts.recent() == []
