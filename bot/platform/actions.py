"""Button data: what a pressed button means, as typed values packed into a few bytes.

Every button the core offers carries one of these, packed by `pack()` and read back by
`ButtonData.unpack`, the only code that knows the packed form. Telegram carries it inside
its versioned CallbackData (`v1:<packed>`), WhatsApp as the reply-button or list-row id,
and a typed number stands for the packed data it picked. A press that does not unpack
(malformed, forged, or from a release with another format) is a stale button and
changes nothing; a press that unpacks is still checked against the presser's role.

Packed form, `VERSION` 1 (Telegram allows 64 bytes; with its `v1:` these stay under 60):

| value | packed |
| --- | --- |
| `StepChoice(nonce, value)`: a choice of the current dialog step | `<nonce>.<value>` |
| `MenuChoice(command)`: a menu button | `m.<command>` |
| `TicketAction(verb, ticket, arg)`: a staff card button | `a.tk.<verb>.<ticket>[.<arg>]` |
| `Rating(ticket, stars)`: a resident rates an answer | `a.rate.<ticket>.<stars>` |
| `FollowUp(ticket, solved)`: a resident's ✅ Sudah (y) or ❌ Belum (n) | `a.fu.<ticket>.<y/n>` |
| `BroadcastAction(verb, announcement)`: approve, reject, cancel | `a.bc.<verb>.<id>` |
| `ClaimAction(verb, claim, arg)`: correct, withdraw, clarify | `a.hx.<verb>.<claim>[.<arg>]` |
| `ArchivePage(page)`: a page of a staff member's `/arsip` search | `a.ar.<page>` |
| `PollVote(poll, answer)`: a resident's answer to a poll (0: "other") | `a.poll.<id>.<n>` |
| `PollView(verb, poll)`: an admin's results, export or close of a poll | `a.pl.<verb>.<id>` |
| `AlertAction(verb, alert)`: ✅ Kirim or ✖ Abaikan on an early warning | `a.al.<verb>.<id>` |
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

VERSION = 1
TicketVerb = Literal[
    "claim",
    "answer",
    "forward",
    "reasons",
    "reject",
    "verdicts",
    "verdict",
    "nosources",
    "send",
    "rewrite",
    "discard",
    "desks",  # the desks a ticket may move to
    "move",  # move it to the desk `arg`
]
BroadcastVerb = Literal["approve", "reject", "cancel"]
PollVerb = Literal["show", "csv", "close"]
AlertVerb = Literal["send", "ignore"]
ClaimVerb = Literal[
    "fix",  # open a correction: the verdicts, and retract
    "fixv",  # a verdict of the correction (arg: its number)
    "nosrc",  # the correction has no sources
    "send",  # send the correction
    "edit",  # write the correction's explanation again
    "drop",  # discard the correction or the retraction
    "retract",  # ask to confirm the retraction
    "retracted",  # the retraction confirmed
    "clar",  # open a clarification broadcast: counts per kelurahan, targets
    "ct",  # toggle a clarification target (arg: its number)
    "cprev",  # the clarification's preview
    "csend",  # send the clarification
    "cdrop",  # discard the clarification
]
FIELD_MAX = 40  # characters of one field (a ticket or claim number, …)
_WORD = re.compile(rf"^[A-Za-z0-9_-]{{1,{FIELD_MAX}}}$")  # a field of the packed form: no dot


class ButtonData:
    """Base of every button's meaning; `unpack` turns packed data back into one."""

    __slots__ = ()

    def pack(self) -> str:
        """The packed form a platform carries."""
        raise NotImplementedError

    @staticmethod
    def unpack(data: str) -> ButtonData | None:
        """The value `data` packs, or None when it is malformed or unknown."""
        kind, dot, rest = data.partition(".")
        if not dot or not rest:
            return None
        if kind == "m":
            return MenuChoice(rest) if _WORD.match(rest) else None
        if kind == "a":
            return _unpack_action(rest)
        return StepChoice(kind, rest) if _WORD.match(kind) else None


def _unpack_action(rest: str) -> ButtonData | None:
    name, _, args = rest.partition(".")
    fields = args.split(".")
    if not all(_WORD.match(f) for f in fields):
        return None
    if name == "tk" and len(fields) in (2, 3) and fields[0] in get_args(TicketVerb):
        verb: TicketVerb = fields[0]  # type: ignore[assignment]
        return TicketAction(verb, fields[1], fields[2] if len(fields) == 3 else "")
    if name == "rate" and len(fields) == 2 and fields[1] in ("1", "2", "3", "4", "5"):
        return Rating(fields[0], int(fields[1]))
    if name == "fu" and len(fields) == 2 and fields[1] in ("y", "n"):
        return FollowUp(fields[0], fields[1] == "y")
    if name == "bc" and len(fields) == 2 and fields[0] in get_args(BroadcastVerb):
        bc_verb: BroadcastVerb = fields[0]  # type: ignore[assignment]
        return BroadcastAction(bc_verb, fields[1])
    if name == "hx" and len(fields) in (2, 3) and fields[0] in get_args(ClaimVerb):
        hx_verb: ClaimVerb = fields[0]  # type: ignore[assignment]
        return ClaimAction(hx_verb, fields[1], fields[2] if len(fields) == 3 else "")
    if name == "poll" and len(fields) == 2 and fields[1].isdigit() and len(fields[1]) <= 2:
        return PollVote(fields[0], int(fields[1]))
    if name == "pl" and len(fields) == 2 and fields[0] in get_args(PollVerb):
        poll_verb: PollVerb = fields[0]  # type: ignore[assignment]
        return PollView(poll_verb, fields[1])
    if name == "al" and len(fields) == 2 and fields[0] in get_args(AlertVerb):
        al_verb: AlertVerb = fields[0]  # type: ignore[assignment]
        return AlertAction(al_verb, fields[1])
    if name == "ar" and len(fields) == 1 and fields[0].isdigit() and len(fields[0]) <= 4:
        return ArchivePage(int(fields[0]))
    return None


def _checked(*fields: str) -> None:
    for value in fields:
        if not _WORD.match(value):
            raise ValueError(f"{value!r} cannot be packed into button data")


@dataclass(frozen=True, slots=True)
class StepChoice(ButtonData):
    """A choice offered by the current step; `nonce` ties it to that step.

    `value` may hold dots (region codes do); the nonce never does.
    """

    nonce: str
    value: str

    def pack(self) -> str:
        """`<nonce>.<value>`."""
        _checked(self.nonce)
        return f"{self.nonce}.{self.value}"


@dataclass(frozen=True, slots=True)
class MenuChoice(ButtonData):
    """A menu button: starts `command` as if typed."""

    command: str

    def pack(self) -> str:
        """`m.<command>`."""
        _checked(self.command)
        return f"m.{self.command}"


@dataclass(frozen=True, slots=True)
class TicketAction(ButtonData):
    """A staff card's button on `ticket`, with a reason or verdict number as `arg`."""

    verb: TicketVerb
    ticket: str
    arg: str = ""

    def pack(self) -> str:
        """`a.tk.<verb>.<ticket>[.<arg>]`."""
        _checked(self.ticket, *([self.arg] if self.arg else []))
        return f"a.tk.{self.verb}.{self.ticket}" + (f".{self.arg}" if self.arg else "")


@dataclass(frozen=True, slots=True)
class Rating(ButtonData):
    """A resident's 1-5 rating of the answer to `ticket`."""

    ticket: str
    stars: int

    def pack(self) -> str:
        """`a.rate.<ticket>.<stars>`."""
        _checked(self.ticket)
        if not 1 <= self.stars <= 5:
            raise ValueError(f"a rating has 1 to 5 stars, not {self.stars}")
        return f"a.rate.{self.ticket}.{self.stars}"


@dataclass(frozen=True, slots=True)
class FollowUp(ButtonData):
    """A resident's answer to "is this problem solved?" about `ticket`."""

    ticket: str
    solved: bool

    def pack(self) -> str:
        """`a.fu.<ticket>.<y|n>`."""
        _checked(self.ticket)
        return f"a.fu.{self.ticket}.{'y' if self.solved else 'n'}"


@dataclass(frozen=True, slots=True)
class BroadcastAction(ButtonData):
    """A superadmin's or admin's decision on an announcement."""

    verb: BroadcastVerb
    announcement: str

    def pack(self) -> str:
        """`a.bc.<verb>.<id>`."""
        _checked(self.announcement)
        return f"a.bc.{self.verb}.{self.announcement}"


@dataclass(frozen=True, slots=True)
class AlertAction(ButtonData):
    """A superadmin's decision on an early warning drafted for approval."""

    verb: AlertVerb
    alert: str

    def pack(self) -> str:
        """`a.al.<verb>.<id>`."""
        _checked(self.alert)
        return f"a.al.{self.verb}.{self.alert}"


def packable(value: str) -> bool:
    """Whether `value` can be a field of button data (claim ids from imports may not)."""
    return bool(_WORD.match(value))


@dataclass(frozen=True, slots=True)
class ClaimAction(ButtonData):
    """A staff button on an archived verdict `claim`: correct, retract, clarify."""

    verb: ClaimVerb
    claim: str
    arg: str = ""

    def pack(self) -> str:
        """`a.hx.<verb>.<claim>[.<arg>]`."""
        _checked(self.claim, *([self.arg] if self.arg else []))
        return f"a.hx.{self.verb}.{self.claim}" + (f".{self.arg}" if self.arg else "")


@dataclass(frozen=True, slots=True)
class ArchivePage(ButtonData):
    """Page `page` (from 0) of the presser's last `/arsip` search."""

    page: int

    def pack(self) -> str:
        """`a.ar.<page>`."""
        if not 0 <= self.page <= 9999:
            raise ValueError(f"no page {self.page}")
        return f"a.ar.{self.page}"


@dataclass(frozen=True, slots=True)
class PollVote(ButtonData):
    """A resident's answer `answer` (1-based; 0 is "other") to poll `poll`."""

    poll: str
    answer: int

    def pack(self) -> str:
        """`a.poll.<id>.<n>`."""
        _checked(self.poll)
        if not 0 <= self.answer <= 10:
            raise ValueError(f"no answer {self.answer}")
        return f"a.poll.{self.poll}.{self.answer}"


@dataclass(frozen=True, slots=True)
class PollView(ButtonData):
    """An admin's button on poll `poll`: its results, their export, or closing it now."""

    verb: PollVerb
    poll: str

    def pack(self) -> str:
        """`a.pl.<verb>.<id>`."""
        _checked(self.poll)
        return f"a.pl.{self.verb}.{self.poll}"
