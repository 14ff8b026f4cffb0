"""CAP 1.2 documents (OASIS Common Alerting Protocol) read into frozen values, checked.

`parse(data)` takes one document's bytes and returns an `Alert`, or raises `CapError`
listing every problem, one line each, naming the element
(`info[0].severity: 'Severee' is not one of Extreme, Severe, Moderate, Minor, Unknown`).
`read(handle)` reads a file or standard input, refusing one larger than `MAX_BYTES`
without reading it all. `documents(data)` gives the CAP documents in a file: itself, or
the alerts an RSS/Atom feed embeds in its items. Nothing here stores anything: a caller
stores an alert only once it parsed whole.

Hostile XML is refused before any expansion: defusedxml forbids a DTD (so no entity
definitions: a billion-laughs document fails at its `<!DOCTYPE`), external entities and
entity references. The root must be `alert` in the CAP 1.2 namespace
(`urn:oasis:names:tc:emergency:cap:1.2`).

What is checked, after the specification: `alert` has identifier, sender, sent, status,
msgType and scope; identifier and sender hold no spaces, commas, `<` or `&`; times are
CAP dateTimes with their offset (`2026-12-02T20:15:00+07:00`; a `Z` is accepted too);
`restriction` comes with scope Restricted, `addresses` with Private; an Update or Cancel
names what it changes in `references` (`sender,identifier,sent` triples, space
separated). Each `info` has category (one or more), event, urgency, severity and
certainty, each from its enumeration; each `area` has areaDesc; a polygon is at least
four `lat,lon` pairs with the first equal to the last; a circle is `lat,lon radius`
(kilometres). Unknown elements (`resource`, extensions) are passed over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
MAX_BYTES = 1_000_000  # one CAP document (or a feed file); BMKG's are a few kilobytes
FEEDS = ("rss", "feed")  # RSS 2.0 and Atom roots

STATUS = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPE = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPE = ("Public", "Restricted", "Private")
CATEGORY = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)
RESPONSE_TYPE = (
    "Shelter",
    "Evacuate",
    "Prepare",
    "Execute",
    "Avoid",
    "Monitor",
    "Assess",
    "AllClear",
    "None",
)
URGENCY = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITY = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTY = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")
_FORBIDDEN = re.compile(r"[\s,<&]")
_NUMBER = r"[+-]?\d+(?:\.\d+)?"
_PAIR = re.compile(rf"^({_NUMBER}),({_NUMBER})$")
_CIRCLE = re.compile(rf"^({_NUMBER}),({_NUMBER})\s+({_NUMBER})$")


class CapError(ValueError):
    """The document is not a CAP 1.2 alert this bot accepts; `problems` has one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Circle:
    """A circle: its centre and radius in kilometres."""

    lat: float
    lon: float
    radius_km: float


Point = tuple[float, float]  # (lat, lon), WGS 84
Polygon = tuple[Point, ...]


@dataclass(frozen=True)
class Pair:
    """A `valueName`/`value` pair (geocode, eventCode, parameter)."""

    name: str
    value: str


@dataclass(frozen=True)
class Area:
    """Where people must be told: several shapes or geocodes mean their union."""

    desc: str
    polygons: tuple[Polygon, ...] = ()
    circles: tuple[Circle, ...] = ()
    geocodes: tuple[Pair, ...] = ()


@dataclass(frozen=True)
class Info:
    """One `info` block: the event in one language, and its areas."""

    language: str
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    response_types: tuple[str, ...] = ()
    event_codes: tuple[Pair, ...] = ()
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    web: str = ""
    contact: str = ""
    parameters: tuple[Pair, ...] = ()
    areas: tuple[Area, ...] = ()


@dataclass(frozen=True)
class Reference:
    """An earlier alert this one updates or cancels."""

    sender: str
    identifier: str
    sent: str


@dataclass(frozen=True)
class Alert:
    """A whole CAP alert."""

    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    source: str = ""
    restriction: str = ""
    addresses: str = ""
    codes: tuple[str, ...] = ()
    note: str = ""
    references: tuple[Reference, ...] = ()
    incidents: str = ""
    infos: tuple[Info, ...] = ()

    @property
    def expires(self) -> datetime | None:
        """The latest expiry of its infos (None when any info has none: not known)."""
        times = [info.expires for info in self.infos]
        if not times or any(t is None for t in times):
            return None
        return max(t for t in times if t is not None)

    @property
    def severity(self) -> str:
        """The gravest severity of its infos ("Unknown" without any)."""
        found = [SEVERITY.index(info.severity) for info in self.infos]
        return SEVERITY[min(found)] if found else "Unknown"


def read(handle: BinaryIO, limit: int = MAX_BYTES) -> bytes:
    """At most `limit` bytes of a file or stream; CapError if there are more (the rest is
    never read)."""
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise CapError([f"document: larger than {limit:,} bytes; a CAP alert is far smaller"])
    return data


def parse(data: bytes) -> Alert:
    """The alert in one CAP 1.2 document; CapError listing every problem otherwise."""
    root = _root(data)
    namespace, name = _name(root)
    if name != "alert" or namespace != NAMESPACE:
        if name in FEEDS:
            raise CapError(
                ["document: an RSS/Atom feed, not a CAP alert: ingest the alerts its items link to"]
            )
        raise CapError(
            [
                f"document: the root is {name!r} in namespace {namespace or 'none'!r}; "
                f"a CAP 1.2 alert is 'alert' in {NAMESPACE}"
            ]
        )
    return _Reader().alert(root)


def documents(data: bytes) -> list[bytes]:
    """The CAP documents in `data`: itself, or each alert an RSS or Atom feed embeds in its
    items (as a document of its own). CapError for a feed that embeds none: its items'
    links are the feed poller's to follow."""
    root = _root(data)
    if _name(root)[1] not in FEEDS:
        return [data]
    embedded = list(root.iter(f"{{{NAMESPACE}}}alert"))
    if not embedded:
        raise CapError(
            [
                "document: an RSS/Atom feed with no CAP 1.2 alert inside: ingest the alerts "
                "its items link to"
            ]
        )
    return [tostring(alert, encoding="utf-8", xml_declaration=True) for alert in embedded]


def is_feed(data: bytes) -> bool:
    """Whether `data` is an RSS or Atom feed (CapError when it is not XML at all)."""
    return _name(_root(data))[1] in FEEDS


def item_links(data: bytes) -> list[str]:
    """The http(s) links of a feed's items, in the feed's order, each once: an RSS item's
    `link` (or its enclosure's `url`), an Atom entry's `link href` (a CAP-typed one first).
    Empty for a document that is not a feed."""
    root = _root(data)
    if _name(root)[1] not in FEEDS:
        return []
    found: list[str] = []
    for item in root.iter():
        kind = _name(item)[1]
        if kind not in ("item", "entry"):
            continue
        candidates: list[str] = []
        for child in item:
            name = _name(child)[1]
            if name == "link":
                href = child.get("href") or (child.text or "").strip()
                if "cap" in (child.get("type") or ""):
                    candidates.insert(0, href)
                else:
                    candidates.append(href)
            elif name == "enclosure" and child.get("url"):
                candidates.append(str(child.get("url")))
        link = next((c for c in candidates if re.match(r"^https?://\S+$", c)), "")
        if link and link not in found:
            found.append(link)
    return found


def _root(data: bytes) -> Element:
    """The document's root element, read without a DTD or entities."""
    if len(data) > MAX_BYTES:
        raise CapError([f"document: larger than {MAX_BYTES:,} bytes; a CAP alert is far smaller"])
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise CapError(
            [
                "document: it declares a DTD or entities (CAP needs neither): refused before "
                "expanding anything"
            ]
        ) from None
    except ParseError as exc:
        raise CapError([f"document: not well-formed XML ({exc})"]) from None


def _name(el: Element) -> tuple[str, str]:
    """(namespace, local name) of an element."""
    if el.tag.startswith("{"):
        namespace, _, name = el.tag[1:].partition("}")
        return namespace, name
    return "", el.tag


class _Reader:
    """Reads elements, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def alert(self, root: Element) -> Alert:
        identifier = self._token(root, "alert", "identifier")
        sender = self._token(root, "alert", "sender")
        sent = self._time(root, "alert", "sent", required=True)
        status = self._choice(root, "alert", "status", STATUS)
        msg_type = self._choice(root, "alert", "msgType", MSG_TYPE)
        scope = self._choice(root, "alert", "scope", SCOPE)
        restriction = self._text(root, "restriction")
        addresses = self._text(root, "addresses")
        if scope == "Restricted" and not restriction:
            self.problems.append("alert.restriction: required when scope is Restricted")
        if scope == "Private" and not addresses:
            self.problems.append("alert.addresses: required when scope is Private")
        references = self._references(root)
        if msg_type in ("Update", "Cancel") and not self._text(root, "references"):
            self.problems.append(f"alert.references: an {msg_type} must name the alert it changes")
        infos = tuple(self.info(el, f"info[{i}]") for i, el in enumerate(_all(root, "info")))
        if self.problems or sent is None:
            raise CapError(self.problems)
        return Alert(
            identifier=identifier,
            sender=sender,
            sent=sent,
            status=status,
            msg_type=msg_type,
            scope=scope,
            source=self._text(root, "source"),
            restriction=restriction,
            addresses=addresses,
            codes=tuple(_texts(root, "code")),
            note=self._text(root, "note"),
            references=references,
            incidents=self._text(root, "incidents"),
            infos=infos,
        )

    def info(self, el: Element, path: str) -> Info:
        categories = [
            self._enum(f"{path}.category[{i}]", c, CATEGORY)
            for i, c in enumerate(_texts(el, "category"))
        ]
        if not categories:
            self.problems.append(f"{path}.category: missing (at least one is required)")
        responses = [
            self._enum(f"{path}.responseType[{i}]", r, RESPONSE_TYPE)
            for i, r in enumerate(_texts(el, "responseType"))
        ]
        return Info(
            language=self._text(el, "language") or "en-US",
            categories=tuple(categories),
            event=self._required(el, path, "event"),
            urgency=self._choice(el, path, "urgency", URGENCY),
            severity=self._choice(el, path, "severity", SEVERITY),
            certainty=self._choice(el, path, "certainty", CERTAINTY),
            response_types=tuple(responses),
            event_codes=self._pairs(el, path, "eventCode"),
            effective=self._time(el, path, "effective"),
            onset=self._time(el, path, "onset"),
            expires=self._time(el, path, "expires"),
            sender_name=self._text(el, "senderName"),
            headline=self._text(el, "headline"),
            description=self._text(el, "description"),
            instruction=self._text(el, "instruction"),
            web=self._text(el, "web"),
            contact=self._text(el, "contact"),
            parameters=self._pairs(el, path, "parameter"),
            areas=tuple(self.area(a, f"{path}.area[{i}]") for i, a in enumerate(_all(el, "area"))),
        )

    def area(self, el: Element, path: str) -> Area:
        polygons = []
        for i, text in enumerate(_texts(el, "polygon")):
            polygon = self._polygon(f"{path}.polygon[{i}]", text)
            if polygon:
                polygons.append(polygon)
        circles = []
        for i, text in enumerate(_texts(el, "circle")):
            circle = self._circle(f"{path}.circle[{i}]", text)
            if circle:
                circles.append(circle)
        return Area(
            desc=self._required(el, path, "areaDesc"),
            polygons=tuple(polygons),
            circles=tuple(circles),
            geocodes=self._pairs(el, path, "geocode"),
        )

    def _text(self, el: Element, name: str) -> str:
        child = el.find(f"{{{NAMESPACE}}}{name}")
        return (child.text or "").strip() if child is not None else ""

    def _required(self, el: Element, path: str, name: str) -> str:
        value = self._text(el, name)
        if not value:
            self.problems.append(f"{path}.{name}: missing (required)")
        return value

    def _token(self, el: Element, path: str, name: str) -> str:
        value = self._required(el, path, name)
        if value and _FORBIDDEN.search(value):
            self.problems.append(
                f"{path}.{name}: {value!r} has a space, comma, '<' or '&', which CAP forbids"
            )
        return value

    def _enum(self, path: str, value: str, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            self.problems.append(f"{path}: {value!r} is not one of {', '.join(allowed)}")
        return value

    def _choice(self, el: Element, path: str, name: str, allowed: tuple[str, ...]) -> str:
        value = self._text(el, name)
        if not value:
            self.problems.append(f"{path}.{name}: missing (one of {', '.join(allowed)})")
            return value
        return self._enum(f"{path}.{name}", value, allowed)

    def _time(self, el: Element, path: str, name: str, required: bool = False) -> datetime | None:
        value = self._text(el, name)
        if not value:
            if required:
                self.problems.append(f"{path}.{name}: missing (required)")
            return None
        parsed = _datetime(value)
        if parsed is None:
            self.problems.append(
                f"{path}.{name}: {value!r} is not a CAP time like 2026-12-02T20:15:00+07:00"
            )
        return parsed

    def _pairs(self, el: Element, path: str, name: str) -> tuple[Pair, ...]:
        pairs = []
        for i, child in enumerate(_all(el, name)):
            key, value = self._text(child, "valueName"), self._text(child, "value")
            if not key or not value:
                self.problems.append(f"{path}.{name}[{i}]: needs both valueName and value")
            else:
                pairs.append(Pair(key, value))
        return tuple(pairs)

    def _references(self, root: Element) -> tuple[Reference, ...]:
        found = []
        for triple in self._text(root, "references").split():
            parts = triple.split(",")
            if len(parts) != 3 or not all(parts) or _datetime(parts[2]) is None:
                self.problems.append(
                    f"alert.references: {triple!r} is not sender,identifier,sent "
                    "(e.g. bmkg.go.id,TEWS-20261202-01,2026-12-02T20:15:00+07:00)"
                )
                continue
            found.append(Reference(*parts))
        return tuple(found)

    def _polygon(self, path: str, text: str) -> Polygon | None:
        points = [self._point(path, pair) for pair in text.split()]
        if any(p is None for p in points):
            return None
        polygon = tuple(p for p in points if p is not None)
        if len(polygon) < 4:
            self.problems.append(f"{path}: {len(polygon)} point(s); a polygon needs at least 4")
            return None
        if polygon[0] != polygon[-1]:
            self.problems.append(f"{path}: the first point must equal the last (closed ring)")
            return None
        return polygon

    def _circle(self, path: str, text: str) -> Circle | None:
        match = _CIRCLE.match(" ".join(text.split()))
        if not match:
            self.problems.append(f"{path}: {text!r} is not 'lat,lon radius' (kilometres)")
            return None
        point = self._point(path, f"{match[1]},{match[2]}")
        radius = float(match[3])
        if radius < 0:
            self.problems.append(f"{path}: the radius {radius} is negative")
            return None
        return Circle(point[0], point[1], radius) if point else None

    def _point(self, path: str, pair: str) -> Point | None:
        match = _PAIR.match(pair)
        if not match:
            self.problems.append(f"{path}: {pair!r} is not a 'lat,lon' pair")
            return None
        lat, lon = float(match[1]), float(match[2])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            self.problems.append(f"{path}: {pair!r} is outside -90..90, -180..180")
            return None
        return lat, lon


def _all(el: Element, name: str) -> list[Element]:
    return el.findall(f"{{{NAMESPACE}}}{name}")


def _texts(el: Element, name: str) -> list[str]:
    return [(child.text or "").strip() for child in _all(el, name)]


def _datetime(value: str) -> datetime | None:
    if not _DATETIME.match(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
