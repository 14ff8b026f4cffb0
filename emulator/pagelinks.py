"""Links the program driving the emulator puts in the simulator page's header:
`/sim/links`.

    PUT /sim/links
    {"links": [{"label": "Konsol KIM", "url": "http://127.0.0.1:8082/console/"}]}

`kimbot demo` links the bot's web console this way. Only http(s) URLs, at most
`MAX_LINKS`, labels of 1-40 characters; a bad body is refused whole (400) and the links
stay as they were. `GET /sim/links` returns them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import SimError
from .simhttp import body, sim_route

MAX_LINKS = 5
_URL = re.compile(r"^https?://[^\s<>\"']{1,300}$")


@dataclass(frozen=True)
class PageLink:
    """One header link."""

    label: str
    url: str


def parse_links(data: Any) -> tuple[PageLink, ...]:
    """The links of a PUT body, or SimError(400) naming what is wrong."""
    raw = data.get("links") if isinstance(data, dict) else None
    if not isinstance(raw, list) or len(raw) > MAX_LINKS:
        raise SimError(400, f"links: expected a list of at most {MAX_LINKS} links")
    found: list[PageLink] = []
    for number, entry in enumerate(raw):
        where = f"links[{number}]"
        if not isinstance(entry, dict):
            raise SimError(400, f"{where}: expected an object")
        label, url = entry.get("label"), entry.get("url")
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= 40:
            raise SimError(400, f"{where}.label: expected text of 1-40 characters")
        if not isinstance(url, str) or not _URL.match(url):
            raise SimError(400, f"{where}.url: expected an http or https URL")
        found.append(PageLink(label.strip(), url))
    return tuple(found)


class PageLinksApi:
    """`/sim/links`: set and read the page's header links."""

    def __init__(self) -> None:
        self.links: tuple[PageLink, ...] = ()

    def routes(self) -> list[web.RouteDef]:
        """Return the aiohttp routes."""
        return [
            web.get("/sim/links", sim_route(self.get)),
            web.put("/sim/links", sim_route(self.put)),
        ]

    async def get(self, request: web.Request) -> Any:
        """The links."""
        return {"links": [vars(link) for link in self.links]}

    async def put(self, request: web.Request) -> Any:
        """Replace the links."""
        self.links = parse_links(await body(request))
        return await self.get(request)
