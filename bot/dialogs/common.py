"""Replies every flow shares: the menu, help, and answers to input that does not fit.

Button labels stay within 20 characters in every language (WhatsApp's reply-button
limit), so every channel can show them unshortened.
"""

from __future__ import annotations

from bot.dialogs.turn import Turn
from bot.platform.actions import MenuChoice
from bot.platform.messages import Attachment, Choice, Link, Reply, rows
from bot.residents.records import Resident


def menu_choices(turn: Turn) -> list[Choice]:
    """The menu buttons for this resident's situation (stateless `m.` buttons)."""
    _ = turn.tr._
    resident = turn.resident
    if resident is None:
        return [
            Choice(_("📝 Subscribe"), MenuChoice("start").pack()),
            Choice(_("🌐 Language"), MenuChoice("bahasa").pack()),
        ]
    if not resident.active:
        return [
            Choice(_("🔔 Subscribe again"), MenuChoice("start").pack()),
            Choice(_("🌐 Language"), MenuChoice("bahasa").pack()),
            Choice(_("📄 My data"), MenuChoice("dataku").pack()),
            Choice(_("🗑 Delete my data"), MenuChoice("hapusdata").pack()),
        ]
    return [
        Choice(_("✍️ Aspiration"), MenuChoice("aspirasi").pack()),
        Choice(_("🔎 Check a hoax"), MenuChoice("cekhoaks").pack()),
        Choice(_("📋 My reports"), MenuChoice("status").pack()),
        Choice(_("📍 Move"), MenuChoice("pindah").pack()),
        Choice(_("👥 Communities"), MenuChoice("komunitas").pack()),
        Choice(_("🌐 Language"), MenuChoice("bahasa").pack()),
        Choice(_("📄 My data"), MenuChoice("dataku").pack()),
        Choice(_("❓ Help"), MenuChoice("bantuan").pack()),
        Choice(_("⛔ Stop"), MenuChoice("berhenti").pack()),
    ]


def show_menu(
    turn: Turn,
    text: str,
    title: str = "",
    links: tuple[Link, ...] = (),
    attachment: Attachment | None = None,
) -> None:
    """Answer with `text` (and a file) and the menu; typed numbers then pick menu entries."""
    turn.goto("menu", "main")
    choices = rows(menu_choices(turn), 2)
    turn.say(Reply(text=text, title=title, choices=choices, links=links, attachment=attachment))


def region_label(turn: Turn, code: str) -> str:
    """'Kelurahan Bagendung, Kecamatan Cilegon' in the resident's language."""
    regions = turn.svc.regions
    village = regions.get(code)
    if village is None:
        return code
    kecamatan = regions[village.parent] if village.parent else None
    kind = turn.tr._("Kelurahan") if village.level == "kelurahan" else turn.tr._("Desa")
    if kecamatan is None:
        return f"{kind} {village.name}"
    return turn.tr._(
        "{kind} {village}, Kecamatan {kecamatan}",
        kind=kind,
        village=village.name,
        kecamatan=kecamatan.name,
    )


def status_line(turn: Turn, resident: Resident) -> str:
    """One sentence on what the resident receives now."""
    _ = turn.tr._
    if not resident.active:
        return _("You are not subscribed at the moment.")
    if resident.village:
        return _(
            "You receive announcements for {region}.", region=region_label(turn, resident.village)
        )
    return _("You have not chosen your kelurahan or desa yet.")


def help_text(turn: Turn) -> str:
    """The command list."""
    _ = turn.tr._
    return "\n".join(
        [
            _(
                "{name} brings official announcements to your chat.",
                name=turn.svc.config.deployment.name,
            ),
            "",
            _("/start — subscribe to your kelurahan or desa"),
            _("/aspirasi — send an aspiration, complaint or question"),
            _("/cekhoaks — check whether a message is a hoax"),
            _("   or type “cek” and the message: “cek vaksin mengandung chip”"),
            _("/status — your reports and their answers"),
            _("/pindah — move to another kelurahan or desa"),
            _("/komunitas — join or leave community KIM"),
            _("/bahasa — change the language"),
            _("/dataku — see all data we hold about you"),
            _("/hapusdata — delete all your data"),
            _("/berhenti — stop receiving announcements"),
            _("/batal — cancel what you are doing"),
            _("/menu — show the menu"),
            "",
            _("You can also press the buttons, or type the number in front of a choice."),
        ]
    )


def flood_warning(turn: Turn) -> Reply:
    """Sent once when a resident sends too many messages in a minute."""
    return Reply(
        text=turn.tr._(
            "You are sending messages very fast. Please wait a minute; "
            "messages sent until then are ignored."
        )
    )


def too_long(turn: Turn, limit: int) -> Reply:
    """The message exceeded the configured length."""
    return Reply(
        text=turn.tr._(
            "That message is too long ({length} characters; at most {limit}). Nothing was changed.",
            length=turn.tr.number(len(turn.msg.text)),
            limit=turn.tr.number(limit),
        )
    )


def unknown_command(turn: Turn, command: str) -> Reply:
    """An unknown /command."""
    shown = command[:32]
    return Reply(
        text=turn.tr._(
            "I don't know the command /{command}. Type /bantuan for the list of commands.",
            command=shown,
        )
    )


def stale_button(turn: Turn) -> Reply:
    """A button from an old message, an expired conversation, or forged data."""
    text = turn.tr._("That button is no longer active. Type /menu to continue.")
    return Reply(text="", notice=text)


def not_understood(turn: Turn) -> str:
    """Text outside any conversation."""
    return turn.tr._("I did not understand that. Please choose from the menu:")


def unsupported_content(turn: Turn) -> str:
    """Stickers, voice notes and the like, where nothing expects them."""
    return turn.tr._(
        "Sorry, I cannot process this kind of message here. Please choose from the menu:"
    )


def pick_prompt(turn: Turn) -> str:
    """Where a button or a typed answer is expected but something else came."""
    return turn.tr._("Please press one of the buttons above, or type your answer.")
