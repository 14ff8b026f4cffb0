"""A resident's control over their subscription and data.

`/bahasa` (language; step choose), `/berhenti` (stop; step confirm), `/dataku`
(everything stored, in words with dates in the deployment's zone, and all of it as
stored in an attached `data-kimbot.json`; no steps), `/hapusdata` (erase everything at
once; step confirm).
Each flow's steps are its table `steps`. Diagram: docs/conversations.md.
"""

from __future__ import annotations

import json
from typing import Any

from bot.desk.staff import kind_label, ticket_state_label
from bot.dialogs import common
from bot.dialogs.steps import Step, StepFlow
from bot.dialogs.subscribe import SubscribeFlow
from bot.dialogs.turn import Turn
from bot.platform.clock import to_datetime
from bot.platform.i18n import LANGUAGE_NAMES
from bot.platform.messages import Attachment, AttachmentError, Reply, rows

DATA_FILE = "data-kimbot.json"
LISTED_TICKETS = 20  # the newest, in words; the file holds every one


def _yes_no(turn: Turn, yes: str) -> tuple[tuple[Any, ...], ...]:
    """The confirmation buttons: `yes` and ✖ No, go back."""
    return ((turn.button(yes, "yes"),), (turn.button(turn.tr._("✖ No, go back"), "no"),))


class LanguageFlow(StepFlow):
    """`/bahasa`, `/language`."""

    name = "bahasa"

    def __init__(self) -> None:
        """One step: choose, by button or by typing the language's name."""
        self.steps = {"choose": Step(self._choose_button, self._choose_input)}

    def begin(self, turn: Turn, args: str) -> None:
        """Offer the enabled languages."""
        turn.goto(self.name, "choose")
        enabled = turn.svc.config.locales.enabled
        choices = [turn.button(LANGUAGE_NAMES[c], c) for c in enabled]
        turn.say(Reply(text=turn.tr._("Choose your language:"), choices=rows(choices, 2)))

    def _choose_button(self, turn: Turn, value: str) -> None:
        """Switch language."""
        if value not in turn.svc.config.locales.enabled:
            turn.say(common.stale_button(turn))
            return
        turn.set_locale(value)
        if turn.resident is not None:
            turn.svc.residents.set_locale(turn.address, value, turn.now)
            turn.resident.locale = value
            common.show_menu(
                turn, turn.tr._("Language changed to {name}.", name=LANGUAGE_NAMES[value])
            )
            return
        turn.goto("start", "consent", mode="start")
        turn.set_locale(value)
        SubscribeFlow().ask_consent(turn)

    def _choose_input(self, turn: Turn) -> None:
        """Typed language names are accepted."""
        text = turn.msg.text.strip().casefold()
        for code in turn.svc.config.locales.enabled:
            if text and text in (code, LANGUAGE_NAMES[code].casefold()):
                self._choose_button(turn, code)
                return
        turn.say(Reply(text=common.pick_prompt(turn)))


class StopFlow(StepFlow):
    """`/berhenti`, `/stop`: unsubscribe after a confirmation."""

    name = "berhenti"

    def __init__(self) -> None:
        """One step: confirm, by button only."""
        self.steps = {"confirm": Step(on_button=self._confirm_button)}

    def begin(self, turn: Turn, args: str) -> None:
        """Ask for confirmation."""
        resident = turn.resident
        if resident is None or not resident.active:
            turn.end()
            turn.say(Reply(text=turn.tr._("You are not subscribed. Type /start to subscribe.")))
            return
        turn.goto(self.name, "confirm")
        turn.say(
            Reply(
                text=turn.tr._("Stop receiving all KIM announcements, including your communities?"),
                choices=_yes_no(turn, turn.tr._("⛔ Yes, stop")),
            )
        )

    def _confirm_button(self, turn: Turn, value: str) -> None:
        """Stop, or go back."""
        _ = turn.tr._
        if value == "no":
            common.show_menu(turn, _("Nothing changed."))
            return
        if value != "yes":
            turn.say(common.stale_button(turn))
            return
        turn.svc.residents.stop(turn.address, turn.now)
        turn.resident = turn.svc.residents.get(turn.address)
        days = turn.tr.number(turn.svc.config.privacy.retention_days)
        common.show_menu(
            turn,
            _(
                "You will no longer receive announcements. Type /start to come back. "
                "Your data is deleted after {days} days, or now with /hapusdata.",
                days=days,
            ),
        )


class MyDataFlow(StepFlow):
    """`/dataku`, `/mydata`: everything stored about the resident, in plain words (no steps)."""

    name = "dataku"

    def begin(self, turn: Turn, args: str) -> None:
        """List the resident's data."""
        _ = turn.tr._
        data = turn.svc.privacy.export(turn.address)
        trail = turn.svc.audit.export(turn.address)
        if turn.resident is None and not set(data) - {"conversation"}:
            turn.end()
            text = _("We hold no data about you.")
            if data:
                text += " " + _(
                    "An unfinished conversation is forgotten {minutes} minutes "
                    "after its last step.",
                    minutes=turn.svc.config.limits.dialog_ttl_minutes,
                )
            if trail:
                text += "\n\n" + _audit_line(turn, trail)
            turn.say(Reply(text=text))
            return
        if trail:
            data["audit trail"] = trail
        lines = [_("Chat: {address}", address=str(turn.address))]
        resident = turn.resident
        if resident is not None:
            lines += [
                _(
                    "Language: {language}",
                    language=LANGUAGE_NAMES.get(resident.locale, resident.locale),
                ),
                _("Status: {status}", status=_("subscribed") if resident.active else _("stopped")),
                _(
                    "Area: {region}",
                    region=common.region_label(turn, resident.village) if resident.village else "—",
                ),
                _(
                    "Communities: {names}",
                    names=", ".join(
                        k.name for k in turn.svc.config.komunitas if k.slug in resident.komunitas
                    )
                    or "—",
                ),
                _(
                    "Consent given: {when} (notice version {version})",
                    when=turn.tr.datetime_text(to_datetime(resident.consent_at)),
                    version=resident.consent_version,
                ),
                _(
                    "Registered: {when}",
                    when=turn.tr.datetime_text(to_datetime(resident.created_at)),
                ),
            ]
            if resident.stopped_at:
                lines.append(
                    _(
                        "Stopped: {when}",
                        when=turn.tr.datetime_text(to_datetime(resident.stopped_at)),
                    )
                )
        lines += self._records(turn, data)
        attachment: Attachment | None = None
        stored = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
        try:
            attachment = Attachment(DATA_FILE, "application/json", stored)
        except AttachmentError:
            lines += ["", _("Your data is too large to attach here; ask the KIM team for a copy.")]
        else:
            lines += [
                "",
                _("All of it, as stored, is in the attached file {name}.", name=DATA_FILE),
            ]
        common.show_menu(turn, "\n".join(lines), title=_("Your data"), attachment=attachment)

    @staticmethod
    def _records(turn: Turn, data: dict[str, dict[str, Any]]) -> list[str]:
        """The resident's reports, deliveries, waiting messages and conversation, in words."""
        _ = turn.tr._
        lines: list[str] = []
        tickets = turn.svc.tickets.of_resident(turn.address, limit=1000)
        if tickets:
            lines += ["", _("Your reports: {count}", count=turn.tr.number(len(tickets)))]
            for t in tickets[:LISTED_TICKETS]:
                lines.append(
                    f"• {t.id} · {kind_label(turn.tr, t.kind)} · "
                    f"{ticket_state_label(turn.tr, t.state)} · "
                    + turn.tr.datetime_text(to_datetime(t.created_at))
                )
            if len(tickets) > LISTED_TICKETS:
                more = turn.tr.number(len(tickets) - LISTED_TICKETS)
                lines.append(_("… and {count} older ones (in the file).", count=more))
        delivered = len(data.get("deliveries", {}).get("announcements", {}))
        waiting = int(data.get("held messages", {}).get("waiting", 0))
        if delivered or waiting:
            lines.append("")
        if delivered:
            lines.append(
                _("Announcements delivered to you: {count}", count=turn.tr.number(delivered))
            )
        if waiting:
            lines.append(
                _("Messages waiting to be sent to you: {count}", count=turn.tr.number(waiting))
            )
        answers = data.get("polls", {}).get("answers", {})
        if answers:
            lines.append(
                _(
                    "Your answers to polls: {count} (forgotten 30 days after each poll closes)",
                    count=turn.tr.number(len(answers)),
                )
            )
        held_roles = data.get("roles", {})
        if held_roles.get("roles"):
            lines += [
                "",
                _(
                    "Roles you hold: {count}, as {name}",
                    count=turn.tr.number(len(held_roles["roles"])),
                    name=held_roles.get("name", "—"),
                ),
            ]
        sessions = data.get("console", {}).get("sessions", [])
        if sessions:
            lines.append(
                _("Web console sessions open: {count}", count=turn.tr.number(len(sessions)))
            )
        if data.get("audit trail"):
            lines += ["", _audit_line(turn, data["audit trail"])]
        if data.get("conversation"):
            minutes = turn.svc.config.limits.dialog_ttl_minutes
            lines += [
                "",
                _(
                    "An unfinished conversation is forgotten {minutes} minutes "
                    "after its last step.",
                    minutes=minutes,
                ),
            ]
        return lines


def _audit_line(turn: Turn, trail: dict[str, Any]) -> str:
    """What the audit trail holds about the resident: how many entries, under which
    pseudonym (never their chat), kept for the trail's retention."""
    return turn.tr._(
        "The audit trail holds {count} entry(ies) about you (staff actions on your reports, "
        "a deletion of your data) under the pseudonym {pseudonym}, never your chat or your "
        "words; entries are kept {years} years.",
        count=turn.tr.number(len(trail["entries"])),
        pseudonym=trail["pseudonym"],
        years=turn.svc.config.audit.retention_years,
    )


class EraseFlow(StepFlow):
    """`/hapusdata`, `/deletedata`: delete everything at once, after a confirmation."""

    name = "hapusdata"

    def __init__(self) -> None:
        """One step: confirm, by button only."""
        self.steps = {"confirm": Step(on_button=self._confirm_button)}

    def begin(self, turn: Turn, args: str) -> None:
        """Ask for confirmation."""
        _ = turn.tr._
        if not turn.svc.privacy.export(turn.address):
            turn.end()
            turn.say(Reply(text=_("We hold no data about you.")))
            return
        turn.goto(self.name, "confirm")
        turn.say(
            Reply(
                text=_(
                    "Delete all your data now? You will stop receiving announcements, and "
                    "this cannot be undone."
                ),
                choices=_yes_no(turn, _("🗑 Yes, delete")),
            )
        )

    def _confirm_button(self, turn: Turn, value: str) -> None:
        """Erase, or go back."""
        _ = turn.tr._
        if value == "no":
            if turn.resident is None:
                turn.end()
                turn.say(Reply(text=_("Nothing changed.")))
            else:
                common.show_menu(turn, _("Nothing changed."))
            return
        if value != "yes":
            turn.say(common.stale_button(turn))
            return
        turn.svc.privacy.erase(turn.address)
        turn.resident = None
        turn.state = None
        turn.erased = True
        turn.say(
            Reply(
                text=_(
                    "All your data has been deleted. Goodbye! Type /start if you ever want "
                    "to subscribe again."
                )
            )
        )
