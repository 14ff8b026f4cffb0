"""Residents' side of the desk: `/aspirasi`, `/cekhoaks`, `/status`, and ratings.

Aspirasi (steps kind → topic → text → attach → identity → confirm, the table
`AspirasiFlow.steps`): type → topic → text → photos/location (optional) → anonymous? →
confirm → tracking number (given only after the ticket is stored). The text may come in
several messages: each one is added (a burst within a few seconds without a reply each,
bot/dialogs/gather.py), up to `MAX_TEXT` characters in all; a message that would pass it
is not added and the resident is told so. ✏️ Edit text on the confirmation asks for the
text again and replaces it.
Hoax check (steps collect → archived, `HoaxFlow.steps`): send or forward text, links or
pictures (messages within a few seconds merge into one request without extra replies)
→ 🔎 Check → an archived verdict at once (then "does this answer it?"; no → a ticket),
or a ticket grouped with the same claim.
✖ Cancel is taken at every step of both.
Diagram: docs/conversations.md.
"""

from __future__ import annotations

from bot.desk.hoaxes import Fingerprint
from bot.desk.staff import Desk, kind_label, ticket_state_label
from bot.desk.tickets import Kind
from bot.desk.verdicts import sources_text
from bot.dialogs import common
from bot.dialogs.gather import in_burst, joined
from bot.dialogs.steps import Step, StepFlow
from bot.dialogs.turn import Turn
from bot.platform.actions import Rating
from bot.platform.clock import to_datetime
from bot.platform.messages import Choice, MediaRef, Reply, rows

ASPIRASI, HOAX = "aspirasi", "cekhoaks"
MIN_TEXT, MAX_TEXT = 10, 2000
MAX_HOAX_MESSAGES = 10
ASPIRASI_KINDS: tuple[Kind, ...] = ("aspirasi", "pengaduan", "informasi")


def _may_file(turn: Turn) -> bool:
    """A resident who consented, under today's limit; otherwise say why not."""
    _ = turn.tr._
    if turn.resident is None:
        turn.end()
        turn.say(
            Reply(
                text=_(
                    "Please subscribe first with /start: we need your consent to keep your report."
                )
            )
        )
        return False
    limit = turn.svc.config.desk.max_open_per_day
    if turn.svc.tickets.opened_today(turn.address, turn.now) >= limit:
        common.show_menu(
            turn,
            _(
                "You have sent {count} reports today, the daily limit. Please try again tomorrow.",
                count=limit,
            ),
        )
        return False
    return True


def _media(turn: Turn) -> MediaRef | None:
    """The photo a resident sent, if it is within the size limit; else say why not."""
    media = turn.msg.media
    if media is None or media.kind != "photo":
        return None
    if media.size is not None and media.size > turn.svc.config.desk.max_photo_bytes:
        megabytes = turn.svc.config.desk.max_photo_bytes // 1_000_000
        turn.say(Reply(text=turn.tr._("That photo is too large (at most {mb} MB).", mb=megabytes)))
        return None
    return media


def _cancelled(turn: Turn, value: str) -> None:
    """✖ Cancel: nothing was filed."""
    common.show_menu(turn, turn.tr._("Cancelled. Nothing was sent."))


class AspirasiFlow(StepFlow):
    """`/aspirasi`: aspirations, complaints and information requests."""

    name = ASPIRASI

    def __init__(self) -> None:
        """The steps of `aspirasi`: what each does with a button and with input."""
        self.steps = {
            "kind": Step(on_button=self._kind_button),
            "topic": Step(on_button=self._topic_button),
            "text": Step(on_input=self._text_input),
            "attach": Step(self._attach_button, self._attach_input),
            "identity": Step(self._identity_button, self._identity_input),
            "confirm": Step(self._confirm_button, self._confirm_input),
        }
        self.always = {"cancel": _cancelled}

    def begin(self, turn: Turn, args: str) -> None:
        """Ask for the type."""
        if not _may_file(turn):
            return
        _ = turn.tr._
        turn.goto(ASPIRASI, "kind", photos=[], location=None)
        choices = [turn.button(kind_label(turn.tr, k), f"kind.{k}") for k in ASPIRASI_KINDS]
        choices.append(turn.button(_("✖ Cancel"), "cancel"))
        turn.say(Reply(text=_("What would you like to send?"), choices=rows(choices, 1)))

    def _kind_button(self, turn: Turn, value: str) -> None:
        """Aspirasi, pengaduan or informasi: the topic comes next."""
        verb, _sep, arg = value.partition(".")
        if verb != "kind" or arg not in ASPIRASI_KINDS:
            turn.say(common.stale_button(turn))
            return
        topics = turn.svc.config.desk.topics
        turn.goto(ASPIRASI, "topic", kind=arg)
        buttons = [turn.button(t.capitalize(), f"topic.{i}") for i, t in enumerate(topics)]
        turn.say(Reply(text=turn.tr._("Which topic?"), choices=rows(buttons, 2), edit=True))

    def _topic_button(self, turn: Turn, value: str) -> None:
        """A topic: the text comes next."""
        verb, _sep, arg = value.partition(".")
        topics = turn.svc.config.desk.topics
        if verb != "topic" or not arg.isdigit() or int(arg) >= len(topics):
            turn.say(common.stale_button(turn))
            return
        turn.goto(ASPIRASI, "text", topic=topics[int(arg)], text="")
        turn.say(Reply(text=self._text_prompt(turn), edit=True))

    @staticmethod
    def _text_prompt(turn: Turn) -> str:
        return turn.tr._(
            "Write your report (at most {max} characters). You may use several messages; "
            "they are joined into one report.",
            max=MAX_TEXT,
        )

    def _text_input(self, turn: Turn) -> None:
        """The text, in one message or several, between the length limits: attachments
        come next (or, after ✏️ Edit text, the confirmation)."""
        state = turn.require_state()
        _ = turn.tr._
        msg = turn.msg
        if msg.kind != "text":
            turn.say(Reply(text=common.pick_prompt(turn)))
            return
        text = self._with_message(turn)
        if text is None:
            return
        if len(text) < MIN_TEXT:
            turn.goto(ASPIRASI, "text", text=text, last=turn.now)
            turn.say(
                Reply(
                    text=_("Please write a little more (at least {min} characters).", min=MIN_TEXT)
                )
            )
        elif state.data.get("editing"):
            turn.goto(ASPIRASI, "confirm", text=text, last=turn.now, editing=False)
            self._confirm(turn)
        else:
            turn.goto(ASPIRASI, "attach", text=text, last=turn.now)
            self._ask_attachments(turn)

    def _with_message(self, turn: Turn) -> str | None:
        """The text gathered so far with this message; None (and the resident is told,
        nothing is added) when it would pass `MAX_TEXT`."""
        _ = turn.tr._
        gathered = str(turn.require_state().data.get("text", ""))
        text = joined(gathered, turn.msg.text.strip())
        if len(text) <= MAX_TEXT:
            return text
        if not gathered:
            refused = _(
                "That is too long ({length}; at most {max} characters).",
                length=len(text),
                max=MAX_TEXT,
            )
        else:
            refused = _(
                "That message was not added: with it your report would have {length} "
                "characters, at most {max}. Send a shorter one.",
                length=len(text),
                max=MAX_TEXT,
            )
        turn.say(Reply(text=refused))
        return None

    def _more_text(self, turn: Turn, step: str) -> bool:
        """A text message after the text step: added to the report (False: not text).
        Within a burst it is added without a reply, except on the confirmation, which is
        shown again so that it always shows all of the text."""
        msg = turn.msg
        if msg.kind != "text" or not msg.text.strip() or msg.text.strip().isdigit():
            return False
        text = self._with_message(turn)
        if text is None:
            return True
        if in_burst(turn.require_state().data, turn.now) and step != "confirm":
            turn.keep(text=text, last=turn.now)
            return True
        added = turn.tr._("Added to your report ({length} characters).", length=len(text))
        if step == "confirm":  # a new summary: the older one's buttons go stale
            turn.goto(ASPIRASI, "confirm", text=text, last=turn.now)
            self._confirm(turn)
        elif step == "attach":
            turn.goto(ASPIRASI, "attach", text=text, last=turn.now)
            self._ask_attachments(turn, added)
        else:
            turn.goto(ASPIRASI, "identity", text=text, last=turn.now)
            self._ask_identity(turn, added)
        return True

    def _attach_input(self, turn: Turn) -> None:
        """Photos (up to the limit) and a location."""
        state = turn.require_state()
        _ = turn.tr._
        msg = turn.msg
        if msg.kind == "photo":
            media = _media(turn)
            photos = list(state.data.get("photos", []))
            if media is not None and len(photos) < turn.svc.config.desk.max_photos:
                photos.append(media.__dict__)
                turn.goto(ASPIRASI, "attach", photos=photos)
                self._ask_attachments(turn)
            elif media is not None:
                turn.say(Reply(text=_("At most {count} photos. Press Next.", count=len(photos))))
        elif msg.kind == "location" and msg.location:
            turn.goto(ASPIRASI, "attach", location=list(msg.location))
            self._ask_attachments(turn)
        elif self._more_text(turn, "attach"):
            return
        else:
            turn.say(
                Reply(text=_("Only photos and a location can be attached. Press Next when done."))
            )

    def _attach_button(self, turn: Turn, value: str) -> None:
        """Next ›: the identity question comes next."""
        if value.partition(".")[0] != "next":
            turn.say(common.stale_button(turn))
            return
        self._ask_identity(turn)

    def _identity_button(self, turn: Turn, value: str) -> None:
        """With identity or anonymous: the check before sending comes next."""
        verb = value.partition(".")[0]
        if verb not in ("named", "anonymous"):
            turn.say(common.stale_button(turn))
            return
        turn.goto(ASPIRASI, "confirm", anonymous=verb == "anonymous")
        self._confirm(turn)

    def _identity_input(self, turn: Turn) -> None:
        """More text is added to the report; anything else points at the buttons."""
        if not self._more_text(turn, "identity"):
            turn.say(Reply(text=common.pick_prompt(turn)))

    def _confirm_button(self, turn: Turn, value: str) -> None:
        """✅ Send: the ticket is filed. ✏️ Edit text: the text is asked for again."""
        verb = value.partition(".")[0]
        if verb == "retext":
            turn.goto(ASPIRASI, "text", text="", editing=True)
            _ = turn.tr._
            turn.say(
                Reply(
                    text=_("Write the text again; it replaces what you wrote.")
                    + " "
                    + self._text_prompt(turn)
                )
            )
            return
        if verb != "send":
            turn.say(common.stale_button(turn))
            return
        self._file(turn)

    def _confirm_input(self, turn: Turn) -> None:
        """More text is added to the report and the confirmation shown again."""
        if not self._more_text(turn, "confirm"):
            turn.say(Reply(text=common.pick_prompt(turn)))

    def _ask_attachments(self, turn: Turn, added: str = "") -> None:
        """What is attached so far, and Next › or ✖ Cancel."""
        state = turn.require_state()
        _ = turn.tr._
        got = []
        if state.data.get("photos"):
            got.append(_("{count} photo(s)", count=len(state.data["photos"])))
        if state.data.get("location"):
            got.append(_("a location"))
        text = _(
            "You may add photos (up to {max}) and your location. Press Next when done.",
            max=turn.svc.config.desk.max_photos,
        )
        if got:
            text = _("Attached: {items}.", items=", ".join(got)) + " " + text
        if added:
            text = added + "\n\n" + text
        choices = ((turn.button(_("Next ›"), "next"), turn.button(_("✖ Cancel"), "cancel")),)
        turn.say(Reply(text=text, choices=choices))

    def _ask_identity(self, turn: Turn, added: str = "") -> None:
        """With identity, or anonymously?"""
        turn.goto(ASPIRASI, "identity")
        _ = turn.tr._
        text = _(
            "Send it with your identity, or anonymously? Anonymous: staff will not see who "
            "sent it; the answer still reaches you here."
        )
        if added:
            text = added + "\n\n" + text
        choices = (
            (turn.button(_("👤 With identity"), "named"),),
            (turn.button(_("🕶 Anonymous"), "anonymous"),),
        )
        turn.say(Reply(text=text, choices=choices))

    def _confirm(self, turn: Turn) -> None:
        """Everything the ticket will hold, with ✅ Send and ✖ Cancel."""
        state = turn.require_state()
        _ = turn.tr._
        data = state.data
        lines = [
            f"{kind_label(turn.tr, data['kind'])} · {data['topic']}",
            "",
            data["text"],
            "",
            _("Photos: {count}", count=len(data.get("photos", [])))
            + (" · " + _("with location") if data.get("location") else ""),
            _("Anonymous") if data.get("anonymous") else _("With identity"),
        ]
        choices = (
            (turn.button(_("✅ Send"), "send"), turn.button(_("✏️ Edit text"), "retext")),
            (turn.button(_("✖ Cancel"), "cancel"),),
        )
        turn.say(Reply(title=_("Check before sending"), text="\n".join(lines), choices=choices))

    def _file(self, turn: Turn) -> None:
        """File the ticket and give its number."""
        state = turn.require_state()
        if not _may_file(turn):
            return
        data = state.data
        location = data.get("location")
        ticket = Desk(turn.svc).file(
            turn.address,
            data["kind"],
            turn.now,
            text=data["text"],
            topic=data["topic"],
            media=[MediaRef(**m) for m in data.get("photos", [])],
            location=(float(location[0]), float(location[1])) if location else None,
            anonymous=bool(data.get("anonymous")),
        )
        common.show_menu(
            turn,
            turn.tr._(
                "Thank you! Your report number is {id}. It will be verified by {due}. "
                "Follow it with /status.",
                id=ticket.id,
                due=turn.tr.datetime_text(to_datetime(ticket.due_at)),
            ),
        )


class HoaxFlow(StepFlow):
    """`/cekhoaks`: is this message, link or picture true?"""

    name = HOAX

    def __init__(self) -> None:
        """The steps of `cekhoaks`: what each does with a button and with input."""
        self.steps = {
            "collect": Step(self._collect_button, self._collect_input),
            "archived": Step(on_button=self._archived_button),
        }
        self.always = {"cancel": self._cancel_button}

    def begin(self, turn: Turn, args: str) -> None:
        """Ask for the message to check."""
        if not _may_file(turn):
            return
        turn.goto(HOAX, "collect", texts=[args] if args.strip() else [], pictures=[], last=0.0)
        _ = turn.tr._
        turn.say(
            Reply(
                text=_(
                    "Send or forward the message, link or picture you want checked. "
                    "Then press 🔎 Check."
                ),
                choices=(
                    (turn.button(_("🔎 Check"), "check"), turn.button(_("✖ Cancel"), "cancel")),
                ),
            )
        )

    def _cancel_button(self, turn: Turn, value: str) -> None:
        """✖ Cancel, at any step (only the exact value: `cancel.…` is stale here)."""
        if value != "cancel":
            turn.say(common.stale_button(turn))
            return
        _cancelled(turn, value)

    def _collect_input(self, turn: Turn) -> None:
        """Collect text, links and pictures; a burst of messages is one request."""
        state = turn.require_state()
        _ = turn.tr._
        msg = turn.msg
        texts = list(state.data.get("texts", []))
        pictures = list(state.data.get("pictures", []))
        if msg.kind in ("text", "photo") and len(texts) + len(pictures) >= MAX_HOAX_MESSAGES:
            turn.say(Reply(text=_("That is enough to check. Press 🔎 Check.")))
            return
        if msg.kind == "photo":
            media = _media(turn)
            if media is None:
                return
            pictures.append(media.__dict__)
        elif msg.kind != "text":
            turn.say(
                Reply(text=_("I can check text, links and pictures. Press 🔎 Check when done."))
            )
            return
        if msg.text.strip():
            texts.append(msg.text.strip())
        if in_burst(state.data, turn.now):  # the buttons shown before stay valid
            turn.keep(texts=texts, pictures=pictures, last=turn.now)
        else:
            turn.goto(HOAX, "collect", texts=texts, pictures=pictures, last=turn.now)
            count = len(texts) + len(pictures)
            turn.say(
                Reply(
                    text=_("Got it ({count}). Send more, or press 🔎 Check.", count=count),
                    choices=(
                        (turn.button(_("🔎 Check"), "check"), turn.button(_("✖ Cancel"), "cancel")),
                    ),
                )
            )

    def _collect_button(self, turn: Turn, value: str) -> None:
        """🔎 Check what was collected."""
        if value != "check":
            turn.say(common.stale_button(turn))
            return
        self._check(turn)

    def _archived_button(self, turn: Turn, value: str) -> None:
        """Did the archived verdict answer it? No: a ticket is filed."""
        if value == "yes":
            common.show_menu(
                turn, turn.tr._("Glad it helped. Please share the facts, not the hoax.")
            )
        elif value == "no":
            self._file(turn)
        else:
            turn.say(common.stale_button(turn))

    def _check(self, turn: Turn) -> None:
        """An archived verdict for a confident match, else a ticket."""
        state = turn.require_state()
        _ = turn.tr._
        texts = state.data.get("texts", [])
        pictures = [p.get("fingerprint", "") for p in state.data.get("pictures", [])]
        if not texts and not state.data.get("pictures"):
            turn.say(Reply(text=_("Send the message, link or picture first.")))
            return
        found = turn.svc.hoaxes.best_claim(Fingerprint.of("\n".join(texts), pictures))
        if found is None:
            self._file(turn)
            return
        claim, _score = found
        turn.svc.recipients.record(claim.id, turn.address, turn.now)  # a correction reaches them
        lines = [
            _("We checked this before: [{verdict}]", verdict=claim.verdict.upper()),
            "",
            claim.explanation,
        ]
        if claim.sources:
            lines += ["", sources_text(turn.tr, claim.sources)]
        lines += ["", _("Does this answer your question?")]
        turn.goto(HOAX, "archived", claim=claim.id)
        choices = (
            (turn.button(_("✅ Yes, thanks"), "yes"),),
            (turn.button(_("❓ No, please check"), "no"),),
        )
        turn.say(Reply(text="\n".join(lines), choices=choices))

    def _file(self, turn: Turn) -> None:
        """File a hoax ticket (grouped with others about the same claim)."""
        state = turn.require_state()
        if not _may_file(turn):
            return
        ticket = Desk(turn.svc).file(
            turn.address,
            "hoaks",
            turn.now,
            text="\n".join(state.data.get("texts", [])),
            media=[MediaRef(**m) for m in state.data.get("pictures", [])],
        )
        _ = turn.tr._
        text = _(
            "Your check number is {id}. Our team aims to answer within {hours} hours; "
            "you will get the verdict here.",
            id=ticket.id,
            hours=turn.svc.config.desk.hoax_hours,
        )
        if ticket.group != ticket.id:
            text += " " + _("Others asked about the same claim: everyone gets the verdict.")
        common.show_menu(turn, text)


class StatusFlow(StepFlow):
    """`/status`: the resident's tickets and their state (no steps: ratings are actions)."""

    name = "status"

    def begin(self, turn: Turn, args: str) -> None:
        """List the newest tickets; offer a rating for an answered one."""
        _ = turn.tr._
        tickets = turn.svc.tickets.of_resident(turn.address)
        if not tickets:
            common.show_menu(
                turn, _("You have no reports yet. Send one with /aspirasi or /cekhoaks.")
            )
            return
        lines = []
        rating: tuple[tuple[Choice, ...], ...] = ()
        rated = ""
        for t in tickets:
            line = (
                f"{t.id} · {kind_label(turn.tr, t.kind)} · {ticket_state_label(turn.tr, t.state)}"
            )
            if t.verdict:
                line += f" [{t.verdict.upper()}]"
            if t.answer_text:
                line += "\n   " + t.answer_text[:200]
            lines.append(line)
            if not rating and t.state == "dijawab" and not t.rating:
                rated = t.id
                rating = (tuple(Choice("⭐" * n, Rating(t.id, n).pack()) for n in range(1, 6)),)
        text = "\n".join(lines)
        if rating:
            text += "\n\n" + _("How helpful was the answer to {id}?", id=rated)
        turn.end()
        turn.say(Reply(title=_("Your reports"), text=text, choices=rating))


class StaffListFlow(StepFlow):
    """`/antrian` and `/templat` for staff in a private chat (no steps)."""

    def __init__(self, name: str) -> None:
        """`antrian` (the queue) or `templat` (the canned answers)."""
        self.name = name

    def begin(self, turn: Turn, args: str) -> None:
        """Show the queue or the canned answers to staff; others are told it is for staff."""
        if not turn.svc.roles.is_staff(turn.address):
            turn.say(Reply(text=turn.tr._("This command is for desk staff.")))
            return
        desk = Desk(turn.svc)
        turn.say(
            Reply(
                text=desk.queue_text(turn.now) if self.name == "antrian" else desk.templates_text()
            )
        )


def rate_action(turn: Turn, press: Rating) -> None:
    """A 1-5 rating of an answer: only the ticket's requester may rate it."""
    _ = turn.tr._
    if not turn.svc.tickets.rate(press.ticket, turn.address, press.stars):
        turn.say(common.stale_button(turn))
        return
    turn.say(
        Reply(
            text=_("Thank you for rating {id}: {stars}", id=press.ticket, stars="⭐" * press.stars)
        )
    )
