"""Resident conversations, written once for every channel.

`build_conversations(services)` returns the engine with every flow and command
registered; channels feed it `Incoming` and render the `Reply`s it returns. Each flow
declares its steps once, in its table `steps` (steps.py); `/pindah` enters the `start`
flow's steps.
"""

from __future__ import annotations

from bot.dialogs.account import EraseFlow, LanguageFlow, MyDataFlow, StopFlow
from bot.dialogs.alerts import alert_action
from bot.dialogs.archive import ArchiveFlow, TrendFlow, archive_page_action
from bot.dialogs.broadcast import BroadcastFlow, BroadcastListFlow, broadcast_action
from bot.dialogs.console_login import ConsoleLoginFlow
from bot.dialogs.desk_intake import AspirasiFlow, StaffListFlow, StatusFlow, rate_action
from bot.dialogs.engine import Action, Conversations, Flow
from bot.dialogs.follow_up import FollowUpFlow
from bot.dialogs.hoax_check import HoaxFlow
from bot.dialogs.invite import AcceptFlow, InviteFlow
from bot.dialogs.komunitas import KomunitasFlow
from bot.dialogs.menu import CancelFlow, HelpFlow, MenuFlow
from bot.dialogs.poll import PollFlow
from bot.dialogs.poll_answer import PollOtherFlow, typed_vote, vote_action
from bot.dialogs.poll_results import poll_view_action
from bot.dialogs.roster import NameFlow, RosterFlow
from bot.dialogs.subscribe import SubscribeFlow
from bot.dialogs.turn import Turn
from bot.platform.actions import (
    AlertAction,
    ArchivePage,
    BroadcastAction,
    ButtonData,
    FollowUp,
    PollView,
    PollVote,
    Rating,
)
from bot.platform.i18n import N_
from bot.services import Services

__all__ = [
    "ADMIN_COMMANDS",
    "COMMANDS",
    "RESIDENT_COMMANDS",
    "Conversations",
    "Flow",
    "build_conversations",
]

# Every command a resident may type, Indonesian first, English aliases after; the value
# is the flow it starts.
COMMANDS: dict[str, str] = {
    "start": "start",
    "mulai": "start",
    "pindah": "pindah",
    "move": "pindah",
    "komunitas": "komunitas",
    "community": "komunitas",
    "berhenti": "berhenti",
    "stop": "berhenti",
    "dataku": "dataku",
    "mydata": "dataku",
    "hapusdata": "hapusdata",
    "deletedata": "hapusdata",
    "bahasa": "bahasa",
    "language": "bahasa",
    "bantuan": "bantuan",
    "help": "bantuan",
    "menu": "menu",
    "batal": "batal",
    "cancel": "batal",
    "broadcast": "broadcast",
    "umumkan": "broadcast",
    "broadcasts": "broadcasts",
    "jajak": "jajak",
    "poll": "jajak",
    "aspirasi": "aspirasi",
    "lapor": "aspirasi",
    "report": "aspirasi",
    "cekhoaks": "cekhoaks",
    "hoaks": "cekhoaks",
    "factcheck": "cekhoaks",
    "status": "status",
    "antrian": "antrian",
    "queue": "antrian",
    "templat": "templat",
    "arsip": "arsip",
    "archive": "arsip",
    "tren": "tren",
    "trending": "tren",
    "undang": "undang",
    "invite": "undang",
    "peran": "peran",
    "roles": "peran",
    "nama": "nama",
    "name": "nama",
    "konsol": "konsol",
    "console": "konsol",
}

# The command menu shown by the apps: (Indonesian command, English command, description).
RESIDENT_COMMANDS: list[tuple[str, str, str]] = [
    ("start", "start", N_("Subscribe to your kelurahan or desa")),
    ("menu", "menu", N_("Show the menu")),
    ("aspirasi", "report", N_("Send an aspiration, complaint or question")),
    ("cekhoaks", "factcheck", N_("Check whether a message is a hoax")),
    ("status", "status", N_("Your reports and their answers")),
    ("pindah", "move", N_("Move to another kelurahan or desa")),
    ("komunitas", "community", N_("Join or leave community KIM")),
    ("bahasa", "language", N_("Change the language")),
    ("dataku", "mydata", N_("See all data we hold about you")),
    ("hapusdata", "deletedata", N_("Delete all your data")),
    ("berhenti", "stop", N_("Stop receiving announcements")),
    ("bantuan", "help", N_("Help")),
    ("batal", "cancel", N_("Cancel what you are doing")),
]


# Extra commands in admins' menus.
ADMIN_COMMANDS: list[tuple[str, str, str]] = [
    ("broadcast", "broadcast", N_("Send an announcement")),
    ("broadcasts", "broadcasts", N_("Recent announcements")),
    ("jajak", "poll", N_("Start a poll, or see results: /jajak hasil")),
    ("undang", "invite", N_("Invite an admin or desk staff")),
    ("peran", "roles", N_("Roles you manage")),
    ("nama", "name", N_("Your name on cards and reports")),
    ("konsol", "console", N_("A login link to the web console")),
]


class _MoveFlow:
    """`/pindah`: the subscribe flow, entered at the kecamatan step."""

    name = "pindah"

    def __init__(self, subscribe: SubscribeFlow) -> None:
        """Enter, and answer with, the subscribe flow `subscribe`."""
        self._subscribe = subscribe

    def begin(self, turn: Turn, args: str) -> None:
        """Start choosing a new area."""
        self._subscribe.begin_move(turn)

    def on_button(self, turn: Turn, value: str) -> None:
        """Handled by the subscribe flow (its steps belong to flow `start`)."""
        self._subscribe.on_button(turn, value)

    def on_input(self, turn: Turn) -> None:
        """Handled by the subscribe flow."""
        self._subscribe.on_input(turn)


def build_conversations(services: Services) -> Conversations:
    """The engine with every resident flow registered."""
    subscribe = SubscribeFlow()
    follow_up = FollowUpFlow()
    hoax = HoaxFlow()
    flows: list[Flow] = [
        subscribe,
        _MoveFlow(subscribe),
        KomunitasFlow(),
        StopFlow(),
        MyDataFlow(),
        EraseFlow(),
        LanguageFlow(),
        HelpFlow(),
        MenuFlow(),
        CancelFlow(),
        BroadcastFlow(),
        BroadcastListFlow(),
        AspirasiFlow(),
        hoax,
        StatusFlow(),
        StaffListFlow("antrian"),
        StaffListFlow("templat"),
        ArchiveFlow(),
        TrendFlow(),
        InviteFlow(),
        AcceptFlow(),
        RosterFlow(),
        NameFlow(),
        ConsoleLoginFlow(),
        follow_up,
        PollFlow(),
        PollOtherFlow(),
    ]
    actions: dict[type[ButtonData], Action] = {
        BroadcastAction: broadcast_action,
        AlertAction: alert_action,
        Rating: rate_action,
        ArchivePage: archive_page_action,
        FollowUp: follow_up.press,
        PollVote: vote_action,
        PollView: poll_view_action,
    }
    flows_by_name = {f.name: f for f in flows}
    return Conversations(services, flows_by_name, COMMANDS, actions, typed_vote, hoax.typed_check)
