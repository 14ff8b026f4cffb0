"""`/broadcast` for KIM admins: compose, pick targets, see the reach, confirm or schedule.

Steps (the table `BroadcastFlow.steps`): compose (send the announcement, or reply
`/broadcast` to it) → targets (toggle within the admin's scope) → confirm (preview,
residents and channels reached) → [schedule: type a date and time] → queued, scheduled,
or waiting for a superadmin's approval when the audience exceeds
`broadcasts.approval_threshold`. ✖ Cancel is taken at every step.
`/broadcasts` lists recent ones (early warnings' deliveries marked ⚠️ with the alert's
number); approving, rejecting and cancelling are action buttons (`BroadcastAction`).
Every step and every action checks the role again on the server.
Diagram: docs/conversations.md.
"""

from __future__ import annotations

from bot.announcements import audit
from bot.announcements.access import cancel, may_cancel
from bot.announcements.approval import ask_approval, needs_approval
from bot.announcements.report import announcement_state_label, progress_text
from bot.announcements.store import OPEN_STATES, State
from bot.dialogs import common
from bot.dialogs.steps import Step, StepFlow
from bot.dialogs.targets import ask_targets, selected_in_scope, targets_button
from bot.dialogs.turn import Turn
from bot.platform.actions import BroadcastAction
from bot.platform.addresses import Address
from bot.platform.clock import to_datetime
from bot.platform.messages import Choice, Reply, rows
from bot.platform.timeparse import parse_when

FLOW = "broadcast"
PREVIEW = 300
MAX_AHEAD_DAYS = 30
BROADCASTABLE = ("text", "photo", "video", "document")
MB = 1_000_000
# The largest file that reaches WhatsApp residents: the bot fetches an admin's file from
# Telegram (bots may download at most 20 MB), then uploads it to WhatsApp, which takes
# images up to 5 MB, videos up to 16 MB and documents up to 100 MB.
WHATSAPP_MEDIA_LIMITS = {"photo": 5 * MB, "video": 16 * MB, "document": 20 * MB}


def _not_admin(turn: Turn) -> bool:
    """Someone without an admin role: end the conversation and say so."""
    if turn.svc.roles.is_admin(turn.address):
        return False
    turn.end()
    turn.say(Reply(text=turn.tr._("This command is for KIM admins.")))
    return True


class BroadcastFlow(StepFlow):
    """Composing and confirming an announcement."""

    name = FLOW

    def __init__(self) -> None:
        """The steps of `broadcast`: what each does with a button and with input."""
        self.steps = {
            "compose": Step(on_input=self._compose_input),
            "targets": Step(on_button=self._targets_button),
            "confirm": Step(on_button=self._confirm_button),
            "schedule": Step(self._confirm_button, self._schedule_input),
        }
        self.always = {"cancel": self._cancel_button}

    def admits(self, turn: Turn) -> bool:
        """Every step checks the admin role again."""
        return not _not_admin(turn)

    def begin(self, turn: Turn, args: str) -> None:
        """`/broadcast`, or `/broadcast` as a reply to the message to send."""
        if _not_admin(turn):
            return
        if turn.msg.reply_to:
            text = turn.msg.reply_text
            turn.goto(
                FLOW,
                "targets",
                source=turn.msg.reply_to,
                text=text,
                preview=text[:PREVIEW],
                selected=[],
                page=0,
            )
            self._ask_targets(turn, edit=False)
            return
        turn.goto(FLOW, "compose", selected=[], page=0)
        turn.say(
            Reply(
                text=turn.tr._(
                    "Send the announcement now: text, a photo, a video or a document (with a "
                    "caption). Its formatting is kept. /batal cancels."
                )
            )
        )

    def _cancel_button(self, turn: Turn, value: str) -> None:
        """✖ Cancel, at any step: nothing is stored."""
        common.show_menu(turn, turn.tr._("Announcement discarded."))

    # compose -----------------------------------------------------------------------

    def _compose_input(self, turn: Turn) -> None:
        """The announcement itself: text, a photo, a video or a document."""
        msg = turn.msg
        if msg.kind not in BROADCASTABLE:  # from WhatsApp, message_id is 0: nothing to copy
            turn.say(
                Reply(
                    text=turn.tr._(
                        "That cannot be broadcast. Send text, a photo, a video or a document."
                    )
                )
            )
            return
        limit = WHATSAPP_MEDIA_LIMITS.get(msg.kind, 0)
        size = msg.media.size if msg.media else None
        if turn.svc.config.whatsapp.enabled and limit and size and size > limit:
            turn.say(
                Reply(
                    text=turn.tr._(
                        "That file is {size} MB: residents on WhatsApp can receive at most "
                        "{limit} MB of this kind. Send a smaller file, or a link to it.",
                        size=turn.tr.number(round(size / MB, 1)),
                        limit=turn.tr.number(limit // MB),
                    )
                )
            )
            return
        turn.goto(
            FLOW,
            "targets",
            source=msg.message_id,
            text=msg.text,
            media=f"{turn.address.platform}:{msg.media.kind}:{msg.media.file_id}"
            if msg.media
            else "",
            preview=msg.text[:PREVIEW],
            kind=msg.kind,
        )
        self._auto_or_ask_targets(turn)

    # targets -----------------------------------------------------------------------

    def _auto_or_ask_targets(self, turn: Turn) -> None:
        """Straight to confirm when the admin's scope is one target, else ask."""
        targets = turn.svc.roles.targets(turn.address)
        if len(targets) == 1:
            turn.goto(FLOW, "confirm", selected=[targets[0].key])
            self._ask_confirm(turn)
        else:
            self._ask_targets(turn, edit=False)

    def _ask_targets(self, turn: Turn, edit: bool) -> None:
        """The admin's targets as toggles, a page at a time."""
        question = turn.tr._("Who should receive it? Press to select, press again to remove.")
        ask_targets(turn, question, edit)

    def _targets_button(self, turn: Turn, value: str) -> None:
        """Toggle a target, turn the page, or go on to confirm."""

        def confirm() -> None:
            turn.goto(FLOW, "confirm")
            self._ask_confirm(turn)

        targets_button(turn, value, lambda edit: self._ask_targets(turn, edit), confirm)

    # confirm and schedule ------------------------------------------------------------

    def _reach(self, turn: Turn) -> tuple[list[str], int, int]:
        """The selected targets still in scope, and the residents and channels they reach."""
        selected = selected_in_scope(turn)
        store = turn.svc.announcements
        return selected, store.count_audience(selected), len(store.channel_chats(selected))

    def _needs_approval(self, turn: Turn, residents: int) -> bool:
        """Above the approval threshold, for an admin who is not a superadmin."""
        return needs_approval(turn.svc, turn.address, residents)

    def _ask_confirm(self, turn: Turn) -> None:
        """The preview, the reach, and send, schedule, back or cancel."""
        state = turn.require_state()
        _ = turn.tr._
        selected, residents, channels = self._reach(turn)
        labels = ", ".join(turn.svc.roles.label(k) for k in selected)
        lines = []
        if state.data.get("preview"):
            lines += [_("Preview:"), state.data["preview"], ""]
        lines.append(_("To: {targets}", targets=labels))
        lines.append(
            _(
                "Reaches {residents} residents and {channels} channels.",
                residents=turn.tr.number(residents),
                channels=turn.tr.number(channels),
            )
        )
        when = state.data.get("at")
        if when:
            moment = to_datetime(when)
            lines.append(
                _(
                    "Goes out {when} ({day}).",
                    when=turn.tr.datetime_text(moment),
                    day=turn.tr.day_from_now(moment, to_datetime(turn.now)),
                )
            )
        if self._needs_approval(turn, residents):
            lines.append(_("This many residents needs a superadmin's approval first."))
        send_label = _("📨 Ask approval") if self._needs_approval(turn, residents) else _("✅ Send")
        choices = (
            (turn.button(send_label, "send"), turn.button(_("🕒 Schedule"), "schedule")),
            (turn.button(_("‹ Targets"), "back"), turn.button(_("✖ Cancel"), "cancel")),
        )
        turn.say(Reply(title=_("Check the announcement"), text="\n".join(lines), choices=choices))

    def _confirm_button(self, turn: Turn, value: str) -> None:
        """Send (or ask approval), schedule, or back to the targets."""
        verb = value.partition(".")[0]
        if verb == "back":
            turn.goto(FLOW, "targets", page=0)
            self._ask_targets(turn, edit=True)
        elif verb == "schedule":
            turn.goto(FLOW, "schedule")
            turn.say(
                Reply(
                    text=turn.tr._(
                        "When should it go out? Type a day and a time in {zone}, for "
                        "example: besok jam 7 pagi, Senin 08.00, 25 Des 19.30, or just "
                        "07.30 (today, or tomorrow if that has passed).",
                        zone=turn.tr.zone,
                    ),
                    choices=((turn.button(turn.tr._("✖ Cancel"), "cancel"),),),
                )
            )
        elif verb == "send":
            self._create(turn)
        else:
            turn.say(common.stale_button(turn))

    def _schedule_input(self, turn: Turn) -> None:
        """A typed date and time."""
        if turn.msg.kind != "text":
            turn.say(Reply(text=common.pick_prompt(turn)))
            return
        self._scheduled(turn, turn.msg.text)

    def _scheduled(self, turn: Turn, text: str) -> None:
        """Read the moment; within the next days it is kept and confirm is shown again."""
        moment = parse_when(text, turn.now, turn.svc.config.deployment.timezone)
        _ = turn.tr._
        if moment is None:
            turn.say(
                Reply(
                    text=_(
                        "I can't read that as a day and a time. Write the time with its "
                        'minutes or after "jam", for example: besok jam 7 pagi, '
                        "Senin 08.00, 25 Des 19.30."
                    )
                )
            )
            return
        if moment <= turn.now or moment > turn.now + MAX_AHEAD_DAYS * 86400:
            turn.say(Reply(text=_("Choose a moment in the next {days} days.", days=MAX_AHEAD_DAYS)))
            return
        turn.goto(FLOW, "confirm", at=moment)
        self._ask_confirm(turn)

    def _create(self, turn: Turn) -> None:
        """Store the announcement, then queue it or ask the superadmins."""
        state = turn.require_state()
        selected, residents, _channels = self._reach(turn)
        if not selected:
            turn.say(common.stale_button(turn))
            return
        approval = self._needs_approval(turn, residents)
        store = turn.svc.announcements
        ann = store.create(
            turn.address,
            selected,
            turn.now,
            origin=turn.address,
            origin_message=int(state.data["source"]),
            text=state.data.get("text", ""),
            media=state.data.get("media", ""),
            scheduled_at=state.data.get("at"),
            needs_approval=approval,
        )
        turn.end()
        audit.created(turn.svc, ann, residents)
        if approval:
            ask_approval(turn.svc, turn.address, ann.id, residents)
        else:
            turn.svc.dispatch.submit(ann.id, ann.scheduled_at)
        fresh = store.get(ann.id)
        if fresh is None:  # vanished meanwhile
            turn.say(common.stale_button(turn))
            return
        turn.say(Reply(text=progress_text(turn.tr, fresh, turn.now), progress_of=ann.id))


class BroadcastListFlow(StepFlow):
    """`/broadcasts`: the newest announcements, with cancel buttons for open ones.

    It has no steps: its buttons are actions, so a step button is stale and input gets a
    pointer to the buttons.
    """

    name = "broadcasts"

    def begin(self, turn: Turn, args: str) -> None:
        """List them."""
        if _not_admin(turn):
            return
        _ = turn.tr._
        recent = turn.svc.announcements.recent(10)
        if not recent:
            turn.say(Reply(text=_("No announcements yet.")))
            return
        lines, buttons = [], []
        for ann in recent:
            labels = ", ".join(turn.svc.roles.label(k) for k in ann.targets if k)
            warning = _("⚠️ early warning #{id} · ", id=ann.alert) if ann.alert else ""
            lines.append(
                ("📊 " if ann.poll else "")
                + f"#{ann.id} · {warning}{announcement_state_label(turn.tr, ann.state)} · "
                f"{labels} · "
                + turn.tr._("{sent} sent", sent=turn.tr.number(ann.counts.get("sent", 0)))
            )
            if ann.state in OPEN_STATES and may_cancel(turn.svc.roles, turn.address, ann.admin):
                buttons.append(
                    Choice(_("✖ Cancel #{id}", id=ann.id), BroadcastAction("cancel", ann.id).pack())
                )
        turn.say(
            Reply(title=_("Recent announcements"), text="\n".join(lines), choices=rows(buttons, 2))
        )


def broadcast_action(turn: Turn, press: BroadcastAction) -> None:
    """Approve, reject or cancel an announcement; the presser's role is checked here."""
    verb = press.verb
    svc = turn.svc
    ann = svc.announcements.get(press.announcement)
    _ = turn.tr._
    if ann is None or (ann.alert and verb != "cancel"):  # an early warning's: AlertAction
        turn.say(common.stale_button(turn))
        return
    allowed = (
        svc.roles.is_superadmin(turn.address)
        if verb != "cancel"
        else may_cancel(svc.roles, turn.address, ann.admin)
    )
    if not allowed:
        turn.say(Reply(text="", notice=_("You may not do that.")))
        return
    if verb == "approve":
        to: State = "scheduled" if ann.scheduled_at else "queued"
        if svc.announcements.move(ann.id, to, ["awaiting_approval"], approved_by=str(turn.address)):
            audit.decided(svc, ann, verb, turn.address)
            svc.dispatch.submit(ann.id, ann.scheduled_at)
            _tell_owner(turn, ann.admin, "approved", ann.id)
            turn.say(Reply(text=_("Announcement #{id} approved.", id=ann.id), edit=True))
            return
    elif verb == "reject":
        if svc.announcements.move(
            ann.id, "rejected", ["awaiting_approval"], approved_by=str(turn.address)
        ):
            audit.decided(svc, ann, verb, turn.address)
            _tell_owner(turn, ann.admin, "rejected", ann.id)
            turn.say(Reply(text=_("Announcement #{id} rejected.", id=ann.id), edit=True))
            return
    elif cancel(svc, ann, turn.address, turn.tr):
        turn.say(Reply(text=_("Announcement #{id} cancelled.", id=ann.id)))
        return
    current = svc.announcements.get(ann.id)
    state = announcement_state_label(turn.tr, current.state if current else "")
    turn.say(
        Reply(text="", notice=_("Announcement #{id} is already {state}.", id=ann.id, state=state))
    )


def _tell_owner(turn: Turn, owner: Address | None, verdict: str, announcement_id: str) -> None:
    """Tell the admin who asked for approval what the superadmin decided."""
    if owner is None or owner == turn.address:
        return
    tr = turn.svc.translator(turn.svc.config.locales.default)
    text = (
        tr._("Your announcement #{id} was approved and goes out as planned.", id=announcement_id)
        if verdict == "approved"
        else tr._("Your announcement #{id} was not approved.", id=announcement_id)
    )
    turn.svc.dispatch.notify(owner, Reply(text=text))
