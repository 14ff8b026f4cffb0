"""Routing tickets to desks: which desk a ticket goes to, where that desk's cards go, and
its due times.

`desk.desks` in config.yaml lists desks (an OPD's or a kecamatan's staff); `roles.staff`
is the default desk, which takes every ticket no desk takes. A desk takes a ticket when
the ticket's topic is one of the desk's `topics` and its kelurahan lies in one of the
desk's `kecamatan`; a list the desk leaves out takes anything. The desks are tried in
the order config.yaml lists them and the first that takes a ticket gets it, so when a
topic desk and a kecamatan desk both take a ticket, the one listed first wins: list the
narrower desks (topic and kecamatan) first. A ticket records its desk's id (`desk`,
bot/desk/tickets.py; "" for the default desk). A desk's cards, reminders and overdue
lines go to its group, in its forum topic when it has one (`Reply.thread`), else to
roles.staff.group. A ticket of a desk no longer configured belongs to the default desk.
"""

from __future__ import annotations

from dataclasses import replace

from bot.platform.addresses import Address
from bot.platform.config import DEFAULT_DESK, Config, Office
from bot.platform.i18n import Translator
from bot.platform.messages import Reply
from bot.regions.tree import RegionIndex
from bot.services import Services


def route(config: Config, regions: RegionIndex, topic: str, village: str) -> str:
    """The id of the first desk that takes a ticket of `topic` from `village` ("": the
    default desk)."""
    region = regions.get(village) if village else None
    kecamatan = region.parent if region is not None and region.level != "kecamatan" else None
    for office in config.desk.desks:
        if office.topics and topic not in office.topics:
            continue
        if office.kecamatan and kecamatan not in office.kecamatan:
            continue
        return office.id
    return ""


def known(config: Config, desk: str) -> str:
    """The desk a ticket's stored `desk` stands for now ("" for the default desk, also
    for a desk since removed from config.yaml)."""
    return desk if desk and config.desk.office(desk) is not None else ""


def place(config: Config, desk: str) -> tuple[Address, int] | None:
    """Where a desk's messages go: its group (roles.staff.group without one of its own)
    and forum topic (0: none). None when there is no staff group at all (WhatsApp-only
    deployments: the desk works from the web console and `kimbot tickets`)."""
    office = config.desk.office(desk) if desk else None
    if office is not None and office.group:
        return Address.parse(office.group), office.thread or 0
    group = config.roles.staff.group
    return (Address.parse(group), 0) if group else None


def post(svc: Services, desk: str, reply: Reply, about: Address | None = None) -> bool:
    """Send `reply` to the desk's group (and topic), through the paced queue; False when
    there is no staff group to send it to."""
    where = place(svc.config, known(svc.config, desk))
    if where is None:
        return False
    chat, thread = where
    svc.dispatch.notify(chat, replace(reply, thread=thread) if thread else reply, about=about)
    return True


def desk_name(config: Config, tr: Translator, desk: str) -> str:
    """A desk's name as staff see it."""
    office = config.desk.office(desk) if desk else None
    return office.name if office is not None else tr._("Main desk")


def every_desk(config: Config, tr: Translator) -> list[tuple[str, str]]:
    """(id, name) of every desk, the default desk (id `DEFAULT_DESK`) first."""
    return [(DEFAULT_DESK, desk_name(config, tr, ""))] + [(o.id, o.name) for o in config.desk.desks]


def choices(config: Config, tr: Translator, current: str) -> list[tuple[str, str]]:
    """(id, name) of every desk a ticket of `current` ("": the default) may move to."""
    return [(i, name) for i, name in every_desk(config, tr) if i != (current or DEFAULT_DESK)]


def target(config: Config, chosen: str) -> str | None:
    """The stored id of a desk picked by its button's id (None: no such desk)."""
    if chosen == DEFAULT_DESK:
        return ""
    return chosen if config.desk.office(chosen) is not None else None


def due_rules(config: Config, desk: str) -> tuple[int, int]:
    """(verification working days, hoax hours) of a desk: its own, else desk's."""
    office: Office | None = config.desk.office(desk) if desk else None
    days = config.desk.verification_working_days
    hours = config.desk.hoax_hours
    if office is not None:
        days = office.verification_working_days or days
        hours = office.hoax_hours or hours
    return days, hours


def group_chats(config: Config) -> set[str]:
    """Every staff group's address: roles.staff.group's and the desks' own."""
    found = {o.group for o in config.desk.desks if o.group}
    if config.roles.staff.group:
        found.add(config.roles.staff.group)
    return found


def _places(config: Config) -> list[tuple[str, str, int]]:
    """(desk id, group, topic) of every desk whose messages go to a group."""
    main = config.roles.staff.group or ""
    found = [("", main, 0)] if main else []
    found += [(o.id, o.group or main, o.thread or 0) for o in config.desk.desks]
    return [(d, g, t) for d, g, t in found if g]


def desks_in(config: Config, chat: str, thread: int) -> set[str]:
    """The desks whose messages go to this group chat and topic ("": the default desk);
    a topic of its own takes precedence over the desks that use the group as a whole."""
    here = [(d, t) for d, g, t in _places(config) if g == chat]
    own = {d for d, t in here if t and t == thread}
    return own or {d for d, t in here if not t}


def desks_of_group(config: Config, chat: str) -> set[str]:
    """Every desk whose messages go to this group chat, in any of its topics."""
    return {d for d, g, _ in _places(config) if g == chat}
