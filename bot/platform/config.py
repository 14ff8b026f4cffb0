"""The deployment's configuration: config.yaml, validated with pydantic.

`load_config(path)` returns a `Config` or raises `ConfigError`, whose `problems` are
one line each, naming the key path and, where the YAML tells it, the line. Secrets never
live here: they come from the environment (see `handlers/settings.py`).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.platform.addresses import Address, AddressError

CITY_CODE = re.compile(r"^\d{2}\.\d{2}$")
KECAMATAN_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
VILLAGE_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.[123]\d{3}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
DESK_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,19}$")  # short: a card's move button carries it


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Deployment(_Model):
    """Who runs this bot and where."""

    name: str = Field(min_length=1, max_length=80)
    operator: str = Field(min_length=1, max_length=120)
    contact: str = Field(min_length=1, max_length=200)
    timezone: str = "Asia/Jakarta"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Jakarta)") from None
        return value


LocaleCode = Literal["id", "en", "su", "jv"]


def _all_locales() -> list[LocaleCode]:
    return ["id", "en", "su", "jv"]


class Locales(_Model):
    """Languages offered to residents; `default` is used when nothing else is known."""

    default: LocaleCode = "id"
    enabled: list[LocaleCode] = Field(default_factory=_all_locales, min_length=1)


class Privacy(_Model):
    """The privacy notice residents consent to (UU PDP)."""

    notice_version: str = Field(min_length=1, max_length=40)
    retention_days: int = Field(default=730, ge=1, le=3650)
    # After an erasure, Redis's files on disk are rewritten within this interval (plus
    # the worker's ~30 s maintenance tick); UU PDP allows 72 h.
    compaction_minutes: int = Field(default=60, ge=1, le=1440)


class Audit(_Model):
    """The audit trail (bot/audit/trail.py)."""

    # Entries older than this are dropped by the worker's daily maintenance.
    retention_years: int = Field(default=5, ge=1, le=30)

    @property
    def retention_days(self) -> int:
        """The retention period in days (a year counted as 365.25 days)."""
        return round(self.retention_years * 365.25)


class Village(_Model):
    """A kelurahan or desa."""

    code: str
    name: str = Field(min_length=1, max_length=60)
    aliases: list[str] = Field(default_factory=list)
    # Its centroid (WGS 84), when known: CAP alerts' polygons and circles match by it.
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _both_or_neither(self) -> Village:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not VILLAGE_CODE.match(value):
            raise ValueError(f"{value!r} is not a desa/kelurahan code like 36.72.01.1001")
        return value


class Kecamatan(_Model):
    """A kecamatan and its villages."""

    code: str
    name: str = Field(min_length=1, max_length=60)
    aliases: list[str] = Field(default_factory=list)
    villages: list[Village] = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not KECAMATAN_CODE.match(value):
            raise ValueError(f"{value!r} is not a kecamatan code like 36.72.01")
        return value


class RegionTree(_Model):
    """A kabupaten/kota and its kecamatan."""

    code: str
    name: str = Field(min_length=1, max_length=80)
    kecamatan: list[Kecamatan] = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not CITY_CODE.match(value):
            raise ValueError(f"{value!r} is not a kabupaten/kota code like 36.72")
        return value


class Chat(_Model):
    """A Telegram channel or group residents are routed into."""

    chat_id: int | None = None
    invite_link: str | None = Field(default=None, pattern=r"^https://t\.me/\S+$")
    join_request: bool = False


class Komunitas(_Model):
    """A community KIM (cyclists, content creators, religious groups, …)."""

    slug: str
    name: str = Field(min_length=1, max_length=60)
    description: str = Field(default="", max_length=300)
    chat: Chat = Field(default_factory=Chat)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"{value!r} must be 1-40 of a-z, 0-9 and '-', starting alnum")
        return value


AddressText = Annotated[str, Field(min_length=4, max_length=80)]


class Admin(_Model):
    """A KIM admin and the regions (or komunitas) they may broadcast to."""

    id: AddressText
    name: str = Field(min_length=1, max_length=80)
    scope: list[str] = Field(min_length=1)


class StaffMember(_Model):
    """Someone who may act on the desk, with the name cards and exports show."""

    id: AddressText
    name: str | None = Field(default=None, min_length=1, max_length=80)


def _as_members(value: Any) -> Any:
    """A list of members as written: a bare address stands for `{id: address}`."""
    if isinstance(value, list):
        return [{"id": item} if isinstance(item, str) else item for item in value]
    return value


class Staff(_Model):
    """The staff group that answers the desk, and who in it may act. A member is an
    address (`tg:700000002`) or `{id: …, name: …}`."""

    group: AddressText | None = None
    members: list[StaffMember] = Field(default_factory=list)
    # Told of tickets long past their due time (a group or a person); None: every superadmin.
    supervisor: AddressText | None = None

    @field_validator("members", mode="before")
    @classmethod
    def _plain_addresses(cls, value: Any) -> Any:
        return _as_members(value)

    @property
    def ids(self) -> list[str]:
        """The members' addresses."""
        return [member.id for member in self.members]


class Roles(_Model):
    """Who may do what. Residents need no entry."""

    superadmins: list[AddressText] = Field(default_factory=list)
    admins: list[Admin] = Field(default_factory=list)
    staff: Staff = Field(default_factory=Staff)


class Template(_Model):
    """An approved WhatsApp message template."""

    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    language: str = Field(default="id", pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")


class WhatsApp(_Model):
    """The WhatsApp Cloud API number (secrets come from the environment)."""

    enabled: bool = False
    phone_number_id: str = Field(default="", pattern=r"^\d*$")
    business_number: str = Field(default="", pattern=r"^\d*$")
    announcement_template: Template | None = None
    # Early warnings outside the 24-hour window: an approved template whose one parameter
    # is the warning's text (bot/alerts/message.py).
    alert_template: Template | None = None
    ticket_template: Template | None = None
    messages_per_second: float = Field(default=80, gt=0, le=1000)
    # Unique recipients outside the 24-hour window per moving 24 hours (Meta's tier:
    # 250, 2000, 10000, 100000; 0 = unlimited).
    daily_limit: int = Field(default=250, ge=0)


class Broadcasts(_Model):
    """Delivery of announcements."""

    # Telegram allows about 30/s; above that needs paid broadcasts (BotFather, Stars).
    rate_per_second: float = Field(default=30, gt=0, le=100_000)
    paid_broadcast: bool = False
    approval_threshold: int = Field(default=5000, ge=1)
    batch_size: int = Field(default=500, ge=10, le=10_000)


DEFAULT_TOPICS = [
    "kesehatan",
    "pendidikan",
    "adminduk",
    "perizinan",
    "infrastruktur",
    "transportasi",
    "lingkungan hidup",
    "ketenagakerjaan",
    "sosial",
    "lainnya",
]


class HoaxMatch(_Model):
    """How alike a request and an archived claim must be (0-1; bench/hoax_quality.py
    measures precision and recall at these): at `answer` the verdict is given at once;
    from `suggest` the resident is asked whether the claim shown is the one they mean."""

    answer: float = Field(default=0.56, gt=0, le=1)
    suggest: float = Field(default=0.3, gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> HoaxMatch:
        if self.suggest > self.answer:
            raise ValueError("suggest must not be above answer")
        return self


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Digest(_Model):
    """The weekly digest of trending hoax claims in the staff group."""

    enabled: bool = True
    day: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = (
        "monday"
    )
    time: str = Field(default="08.00", pattern=r"^([01]?[0-9]|2[0-3])[.:][0-5][0-9]$")

    @property
    def weekday(self) -> int:
        """0 for Monday … 6 for Sunday."""
        return WEEKDAYS.index(self.day)

    @property
    def hour_minute(self) -> tuple[int, int]:
        """The time of day, in the deployment's zone."""
        hour, minute = re.split(r"[.:]", self.time)
        return int(hour), int(minute)


DEFAULT_DESK = "default"  # the id of roles.staff's desk, which takes what no desk matches


class Office(_Model):
    """One desk of `desk.desks`: an OPD's or a kecamatan's staff, with its own group (or a
    forum topic, `thread`, in one staff group), members and due times. It takes the tickets
    whose topic is one of `topics` and whose kelurahan is in one of `kecamatan` (a list
    left out takes every topic or every kecamatan); the first desk that takes a ticket
    gets it (bot/desk/routing.py). Without a group its cards go to roles.staff.group."""

    id: str
    name: str = Field(min_length=1, max_length=80)
    topics: list[str] = Field(default_factory=list)
    kecamatan: list[str] = Field(default_factory=list)
    group: AddressText | None = None
    thread: int | None = Field(default=None, ge=1)  # Telegram's message_thread_id
    members: list[StaffMember] = Field(default_factory=list)
    verification_working_days: int | None = Field(default=None, ge=1, le=30)
    hoax_hours: int | None = Field(default=None, ge=1, le=168)

    @field_validator("members", mode="before")
    @classmethod
    def _plain_addresses(cls, value: Any) -> Any:
        return _as_members(value)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not DESK_ID.match(value):
            raise ValueError(f"{value!r} must be 1-20 of a-z, 0-9 and '-', starting alnum")
        if value == DEFAULT_DESK:
            raise ValueError(f"{DEFAULT_DESK!r} is the id of roles.staff's desk")
        return value

    @model_validator(mode="after")
    def _takes_something(self) -> Office:
        if not self.topics and not self.kecamatan:
            raise ValueError("give topics, kecamatan or both: the tickets this desk takes")
        if self.thread is not None and self.group is None:
            raise ValueError("a thread (forum topic) needs the group it is in")
        return self

    @property
    def ids(self) -> list[str]:
        """The members' addresses."""
        return [member.id for member in self.members]


class Desk(_Model):
    """Aspirasi and hoax-check requests answered by staff."""

    topics: list[str] = Field(default_factory=lambda: list(DEFAULT_TOPICS), min_length=1)
    verification_working_days: int = Field(default=3, ge=1, le=30)  # SP4N-LAPOR!
    hoax_hours: int = Field(default=3, ge=1, le=168)  # Jabar Saber Hoaks aims at ~3 hours
    remind_after_hours: float = Field(default=4, gt=0, le=168)
    max_open_per_day: int = Field(default=5, ge=1, le=100)
    max_photos: int = Field(default=3, ge=0, le=10)
    max_photo_bytes: int = Field(default=5_000_000, ge=10_000, le=20_000_000)
    templates: dict[str, str] = Field(default_factory=dict)
    # Days after an answer or forwarding until the resident is asked "solved?" (0: never).
    follow_up_days: int = Field(default=14, ge=0, le=365)
    # Hours past a ticket's due time until the supervisor is told (0: never).
    escalate_after_hours: float = Field(default=24, ge=0, le=24 * 60)
    hoax_match: HoaxMatch = Field(default_factory=HoaxMatch)
    digest: Digest = Field(default_factory=Digest)
    # Desks tickets are routed to by topic and kecamatan (none: roles.staff answers all).
    desks: list[Office] = Field(default_factory=list)

    def office(self, desk_id: str) -> Office | None:
        """The desk with this id (None for the default desk, or an id no longer configured)."""
        return next((o for o in self.desks if o.id == desk_id), None)


class Limits(_Model):
    """Guards against abuse and stale conversations."""

    flood_messages_per_minute: int = Field(default=20, ge=3, le=600)
    max_text_length: int = Field(default=4096, ge=100, le=4096)
    dialog_ttl_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)


class Console(_Model):
    """The web console (handlers/console), served by `kimbot run` under `/console`."""

    enabled: bool = True
    # The address people open, as the outside world reaches `kimbot run` (behind a
    # reverse proxy: https://kim.example.go.id). Empty: the host and port it listens on.
    url: str = Field(default="", pattern=r"^(https?://[^\s/?#]+(/[^\s?#]*)?)?$", max_length=200)
    link_minutes: int = Field(default=10, ge=1, le=60)
    idle_minutes: int = Field(default=30, ge=5, le=24 * 60)
    session_hours: int = Field(default=12, ge=1, le=24 * 7)
    links_per_hour: int = Field(default=5, ge=1, le=60)

    @property
    def base(self) -> str:
        """The configured address without a trailing slash ("" when unset)."""
        return self.url.rstrip("/")


Severity = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]


def _grave() -> list[Severity]:
    return ["Extreme", "Severe"]


class Alerts(_Model):
    """Early warnings: CAP 1.2 alerts (BMKG) and what is done with them (bot/alerts)."""

    # RSS/Atom feeds or CAP documents the poller reads (http or https).
    feeds: list[Annotated[str, Field(pattern=r"^https?://\S+$", max_length=500)]] = Field(
        default_factory=list
    )
    # BMKG allows about 60 requests a minute per address: once a minute is the most.
    interval_seconds: int = Field(default=60, ge=60, le=3600)
    # Actual alerts of these severities go out at once; other Actual ones wait for a
    # superadmin's approval.
    immediate_severities: list[Severity] = Field(default_factory=_grave)
    # An alert without `expires` is taken to expire this long after it was sent.
    default_expiry_hours: int = Field(default=24, ge=1, le=24 * 14)
    # Alert records (and their delivery records) are trimmed this long after ingest.
    keep_days: int = Field(default=365, ge=1, le=3650)


class Config(_Model):
    """The whole of config.yaml."""

    deployment: Deployment
    locales: Locales = Field(default_factory=Locales)
    privacy: Privacy
    audit: Audit = Field(default_factory=Audit)
    regions: RegionTree
    channels: dict[str, Chat] = Field(default_factory=dict)
    komunitas: list[Komunitas] = Field(default_factory=list)
    roles: Roles = Field(default_factory=Roles)
    limits: Limits = Field(default_factory=Limits)
    whatsapp: WhatsApp = Field(default_factory=WhatsApp)
    broadcasts: Broadcasts = Field(default_factory=Broadcasts)
    desk: Desk = Field(default_factory=Desk)
    console: Console = Field(default_factory=Console)
    alerts: Alerts = Field(default_factory=Alerts)

    def komunitas_by_slug(self, slug: str) -> Komunitas | None:
        """The community with this slug, if configured."""
        return next((k for k in self.komunitas if k.slug == slug), None)


@dataclass(frozen=True)
class ConfigError(Exception):
    """config.yaml is missing, unreadable or invalid; `problems` has one line each."""

    problems: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(self.problems)


def load_config(path: str | Path) -> Config:
    """Read, parse and validate a config file; raise ConfigError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError((f"{path}: file not found",)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError((f"{path}: cannot read: {exc}",)) from None
    data, lines = _parse(path, text)
    if not isinstance(data, dict):
        raise ConfigError((f"{path}: the top level must be a mapping of sections",))
    if isinstance(data.get("regions"), str):
        data["regions"], region_lines = _load_regions_file(path, data["regions"])
        lines.update({("regions", *k): v for k, v in region_lines.items()})
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(tuple(_describe(path, exc, lines))) from None
    problems = list(_cross_check(config))
    if problems:
        raise ConfigError(tuple(f"{path}: {p}" for p in problems))
    return config


def _load_regions_file(config_path: Path, name: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Load `regions: some/file.yaml`, relative to config.yaml."""
    regions_path = (config_path.parent / name).resolve()
    try:
        text = regions_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError((f"{config_path}: regions: cannot read {name}: {exc}",)) from None
    return _parse(regions_path, text)


def _parse(path: Path, text: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it
    try:
        node = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError((f"{path}{where}: not valid YAML: {problem}",)) from None
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        for key_path, line in _node_lines(node, ()):
            lines[key_path] = line
    return data, lines


def _node_lines(node: yaml.Node, prefix: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], int]]:
    """Yield (key path, 1-based line) for every node of a composed YAML document."""
    yield prefix, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _node_lines(value, (*prefix, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _node_lines(item, (*prefix, index))


def _describe(path: Path, exc: ValidationError, lines: dict[tuple[Any, ...], int]) -> Iterator[str]:
    for error in exc.errors():
        loc = tuple(error["loc"])
        key = _dotted(loc)
        line = next((lines[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in lines), None)
        where = f"{path}:{line}" if line else str(path)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling)"
        elif error["type"] == "missing":
            message = "required key is missing"
        yield f"{where}: {key or '(top level)'}: {message}"


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _cross_check(config: Config) -> Iterator[str]:
    """Checks that span sections: codes nest, references resolve, nothing repeats."""
    tree = config.regions
    if config.locales.default not in config.locales.enabled:
        yield f"locales.default: {config.locales.default!r} is not in locales.enabled"
    codes: set[str] = {tree.code}
    for i, kec in enumerate(tree.kecamatan):
        where = f"regions.kecamatan[{i}]"
        if not kec.code.startswith(tree.code + "."):
            yield f"{where}.code: {kec.code} is not inside {tree.code}"
        if kec.code in codes:
            yield f"{where}.code: {kec.code} appears twice"
        codes.add(kec.code)
        for j, village in enumerate(kec.villages):
            if not village.code.startswith(kec.code + "."):
                yield f"{where}.villages[{j}].code: {village.code} is not inside {kec.code}"
            if village.code in codes:
                yield f"{where}.villages[{j}].code: {village.code} appears twice"
            codes.add(village.code)
    for code in config.channels:
        if code not in codes:
            yield f"channels.{code}: no such region in regions"
    slugs: set[str] = set()
    for i, kom in enumerate(config.komunitas):
        if kom.slug in slugs:
            yield f"komunitas[{i}].slug: {kom.slug} appears twice"
        slugs.add(kom.slug)
    for i, admin in enumerate(config.roles.admins):
        for target in admin.scope:
            slug = target.removeprefix("komunitas:")
            known = slug in slugs if target.startswith("komunitas:") else target in codes
            if not known:
                yield (
                    f"roles.admins[{i}].scope: {target!r} is neither a region nor komunitas:<slug>"
                )
    yield from _check_addresses(config)
    yield from _check_desks(config, codes)
    wa = config.whatsapp
    if wa.enabled and not (wa.phone_number_id and wa.business_number):
        yield "whatsapp: enabled needs phone_number_id and business_number"


def _check_desks(config: Config, codes: set[str]) -> Iterator[str]:
    """desk.desks: ids once each, topics of desk.topics, kecamatan of regions, addresses."""
    kecamatan = {kec.code for kec in config.regions.kecamatan}
    seen: set[str] = set()
    for i, office in enumerate(config.desk.desks):
        where = f"desk.desks[{i}]"
        if office.id in seen:
            yield f"{where}.id: {office.id} appears twice"
        seen.add(office.id)
        for topic in office.topics:
            if topic not in config.desk.topics:
                yield f"{where}.topics: {topic!r} is not one of desk.topics"
        for code in office.kecamatan:
            if code not in kecamatan:
                known = "a region, not a kecamatan" if code in codes else "no such kecamatan"
                yield f"{where}.kecamatan: {code!r} is {known} in regions"
        entries = [(f"{where}.members[{j}]", a) for j, a in enumerate(office.ids)]
        if office.group:
            entries.append((f"{where}.group", office.group))
        for spot, text in entries:
            try:
                address = Address.parse(text)
            except AddressError as exc:
                yield f"{spot}: {exc}"
                continue
            if spot.endswith(".group") and address.is_private:
                yield f"{spot}: {text} is a person's chat, not a group"


def _check_addresses(config: Config) -> Iterator[str]:
    roles = config.roles
    entries = [(f"roles.superadmins[{i}]", a) for i, a in enumerate(roles.superadmins)]
    entries += [(f"roles.admins[{i}].id", a.id) for i, a in enumerate(roles.admins)]
    entries += [(f"roles.staff.members[{i}]", a) for i, a in enumerate(roles.staff.ids)]
    if roles.staff.group:
        entries.append(("roles.staff.group", roles.staff.group))
    for where, text in entries:
        try:
            Address.parse(text)
        except AddressError as exc:
            yield f"{where}: {exc}"
