"""Inviting people to roles: `/undang`, the invitation link, and accepting it.

`/undang` (superadmins; admins of a kecamatan or the kab/kota, for its kelurahan/desa):
kind of role → kecamatan → kelurahan/desa (or kecamatan, or komunitas; for desk staff,
when config.yaml has desk.desks, the desk) → confirm → the one-time link, for Telegram
and WhatsApp, valid 72 hours (bot/people/invites.py). Every press checks again that the
inviter may still give that role.

Whoever opens the link (`/start inv_<token>`; on WhatsApp `DAFTAR inv_<token>`) sees who
invites them to what, what is kept about them, and accepts or declines; the inviter is
told either way. An expired, used, declined, malformed or forged link says so and grants
nothing. Diagram: docs/conversations.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.announcements.roles import KOMUNITAS
from bot.audit import actors
from bot.desk import routing
from bot.dialogs import common
from bot.dialogs.steps import Step, StepFlow
from bot.dialogs.turn import Turn
from bot.people.authority import Authority, Offer
from bot.people.grants import Kind
from bot.people.invites import PREFIX, Invitation, State, token_of
from bot.platform.addresses import Address
from bot.platform.clock import to_datetime
from bot.platform.config import DEFAULT_DESK
from bot.platform.messages import Reply, rows
from bot.regions.tree import Region

INVITE = "undang"
ACCEPT = "undangan"
PAGE = 7


def authority(turn: Turn) -> Authority:
    """The invitation checks over the current roles."""
    return Authority(turn.svc.roles, turn.svc.regions)


def place_text(turn: Turn, scope: str) -> str:
    """'Kelurahan Bagendung, Kecamatan Cilegon', 'Kec. Cibeber', 'Kota Cilegon', …"""
    if scope.startswith(KOMUNITAS) or scope not in turn.svc.regions:
        return turn.svc.roles.label(scope)
    if turn.svc.regions[scope].level in ("city", "kecamatan"):
        return turn.svc.roles.label(scope)
    return common.region_label(turn, scope)


def role_text(turn: Turn, kind: Kind, scope: str) -> str:
    """A role in words: 'KIM admin of Kec. Cibeber', 'desk staff', 'staff of the desk …'."""
    if kind == "staff" and scope:
        office = turn.svc.config.desk.office(scope)
        return turn.tr._("staff of the desk {desk}", desk=office.name if office else scope)
    if kind == "staff":
        return turn.tr._("desk staff (aspirasi and hoax checks)")
    return turn.tr._("KIM admin of {place}", place=place_text(turn, scope))


def when_text(turn: Turn, moment: float) -> str:
    """A moment in the deployment's zone."""
    return turn.tr.datetime_text(to_datetime(moment))


def tell(turn: Turn, to: str, compose: Callable[[Turn], str]) -> None:
    """Send `to` what `compose` writes, in their language (it gets the turn speaking it),
    through the notice queue."""
    address = Address.parse(to)
    person = turn.svc.residents.get(address)
    tr = turn.svc.translator(person.locale if person else turn.svc.config.locales.default)
    turn.svc.dispatch.notify(address, Reply(text=compose(replace(turn, tr=tr))))


def invite(turn: Turn, kind: Kind, scope: str) -> tuple[str, Invitation] | None:
    """Create an invitation to the role if the person may give it, with its audit entry;
    returns its token (for the links, shown once) and record, or None when the role is not
    theirs to give. `/undang`'s ✅ Create link and the console's invite both come here."""
    if not authority(turn).covers(turn.address, kind, scope):
        return None
    token, invitation = turn.svc.invitations.create(kind, scope, str(turn.address), turn.now)
    turn.svc.audit.record(
        "invite.created",
        **actors.person(turn.svc.roles, turn.address),
        object=f"invite:{invitation.id[:12]}",
        scope=scope,
        detail={"kind": kind},
    )
    return token, invitation


class InviteFlow(StepFlow):
    """`/undang`: composing an invitation."""

    name = INVITE

    def __init__(self) -> None:
        """The steps of `undang`."""
        self.steps = {
            "kind": Step(self._kind_button),
            "kecamatan": Step(self._kecamatan_button, self._typed_place),
            "place": Step(self._place_button, self._typed_place),
            "confirm": Step(self._confirm_button),
        }
        self.always = {"cancel": self._cancel}

    def begin(self, turn: Turn, args: str) -> None:
        """Offer the kinds of role this person may invite to."""
        offers = authority(turn).offers(turn.address)
        _ = turn.tr._
        if not offers:
            turn.end()
            turn.say(Reply(text=_("Only superadmins and kecamatan admins can invite people.")))
            return
        if turn.msg.name:  # the inviter goes by their profile name until they set one
            turn.svc.roles.grants.set_name(turn.address, turn.msg.name, edited=False)
        labels: dict[Offer, str] = {
            "village": _("Kelurahan admin"),
            "kecamatan": _("Kecamatan admin"),
            "city": _("City admin"),
            "komunitas": _("Komunitas admin"),
            "staff": _("Desk staff"),
        }
        turn.goto(INVITE, "kind")
        choices = [turn.button(labels[o], f"kind.{o}") for o in offers]
        turn.say(
            Reply(
                text=_(
                    "Whom do you want to invite? You get a link to send them; it works "
                    "once, for 72 hours."
                ),
                choices=(*rows(choices, 2), (turn.button(_("✖ Cancel"), "cancel"),)),
            )
        )

    def admits(self, turn: Turn) -> bool:
        """Only while the person may still invite (a revoked role stops here)."""
        if authority(turn).offers(turn.address):
            return True
        turn.end()
        turn.say(Reply(text=turn.tr._("You may no longer invite people.")))
        return False

    # -- choosing the role and its scope -----------------------------------------------

    def _kind_button(self, turn: Turn, value: str) -> None:
        verb, _, offer = value.partition(".")
        if verb != "kind" or offer not in authority(turn).offers(turn.address):
            self.stale(turn)
            return
        if offer == "staff" and turn.svc.config.desk.desks:
            turn.goto(INVITE, "place", offer=offer, page=0)
            self._ask(turn)
        elif offer == "staff":
            self._confirm(turn, "staff", "")
        elif offer == "city":
            self._confirm(turn, "admin", turn.svc.regions.city.code)
        elif offer == "village":
            kecs = self._kecamatan(turn)
            if len(kecs) == 1:
                turn.goto(INVITE, "place", offer=offer, kecamatan=kecs[0].code, page=0)
            else:
                turn.goto(INVITE, "kecamatan", offer=offer, page=0)
            self._ask(turn)
        else:
            turn.goto(INVITE, "place", offer=offer, page=0)
            self._ask(turn)

    def _kecamatan(self, turn: Turn) -> list[Region]:
        """The kecamatan with kelurahan/desa this person may invite admins for."""
        check = authority(turn)
        return [
            k
            for k in turn.svc.regions.kecamatan
            if any(
                check.covers(turn.address, "admin", v.code)
                for v in turn.svc.regions.villages(k.code)
            )
        ]

    def _places(self, turn: Turn) -> list[tuple[str, str]]:
        """(scope, button label) of what the current step offers."""
        state = turn.require_state()
        regions, roles = turn.svc.regions, turn.svc.roles
        check = authority(turn)
        if turn.state is not None and turn.state.step == "kecamatan":
            return [(k.code, k.name) for k in self._kecamatan(turn)]
        offer = state.data.get("offer")
        if offer == "village":
            villages = regions.villages(state.data["kecamatan"])
            return [
                (v.code, v.name) for v in villages if check.covers(turn.address, "admin", v.code)
            ]
        if offer == "kecamatan":
            return [(k.code, k.name) for k in regions.kecamatan]
        if offer == "staff":
            return routing.every_desk(turn.svc.config, turn.tr)
        return [
            (KOMUNITAS + k.slug, k.name)
            for k in roles.config.komunitas
            if check.covers(turn.address, "admin", KOMUNITAS + k.slug)
        ]

    def _ask(self, turn: Turn, edit: bool = False) -> None:
        """The current page of kecamatan or places, with ‹ ›, « back and cancel."""
        state = turn.require_state()
        _ = turn.tr._
        places = self._places(turn)
        pages = max(1, -(-len(places) // PAGE))
        page = min(max(int(state.data.get("page", 0)), 0), pages - 1)
        shown = places[page * PAGE : (page + 1) * PAGE]
        choices = [turn.button(label, f"pick.{code}") for code, label in shown]
        nav = []
        if page > 0:
            nav.append(turn.button(_("‹ Previous"), f"page.{page - 1}"))
        if page < pages - 1:
            nav.append(turn.button(_("More ›"), f"page.{page + 1}"))
        laid = (*rows(choices, 2), *((tuple(nav),) if nav else ()))
        if state.step == "kecamatan":
            text = _("In which kecamatan? Press a button or type a name.")
        elif state.data.get("offer") == "village":
            kec = turn.svc.regions[state.data["kecamatan"]]
            text = _(
                "Kecamatan {kecamatan}: admin of which kelurahan or desa? Press a button or "
                "type its name.",
                kecamatan=kec.name,
            )
        elif state.data.get("offer") == "kecamatan":
            text = _("Admin of which kecamatan? Press a button or type its name.")
        elif state.data.get("offer") == "staff":
            text = _(
                "Staff of which desk? The main desk's staff act on every desk's tickets; "
                "a desk's own staff on that desk's only."
            )
        else:
            text = _("Admin of which komunitas?")
        turn.say(
            Reply(text=text, choices=(*laid, (turn.button(_("✖ Cancel"), "cancel"),)), edit=edit)
        )

    def _kecamatan_button(self, turn: Turn, value: str) -> None:
        self._picked(turn, value)

    def _place_button(self, turn: Turn, value: str) -> None:
        self._picked(turn, value)

    def _picked(self, turn: Turn, value: str) -> None:
        """A kecamatan or place from the buttons, or another page of them."""
        state = turn.require_state()
        verb, _, arg = value.partition(".")
        if verb == "page" and arg.isdigit():
            if state.step == "kecamatan":
                turn.goto(INVITE, "kecamatan", page=int(arg))
            else:
                turn.goto(INVITE, "place", page=int(arg))
            self._ask(turn, edit=True)
            return
        if verb != "pick" or arg not in {code for code, _label in self._places(turn)}:
            self.stale(turn)
            return
        self._chosen(turn, arg)

    def _chosen(self, turn: Turn, code: str) -> None:
        state = turn.require_state()
        if state.step == "kecamatan":
            turn.goto(INVITE, "place", kecamatan=code, page=0)
            self._ask(turn)
        elif state.data.get("offer") == "staff":
            self._confirm(turn, "staff", "" if code == DEFAULT_DESK else code)
        else:
            self._confirm(turn, "admin", code)

    def _typed_place(self, turn: Turn) -> None:
        """A typed name or code of one of the places offered."""
        typed = " ".join(turn.msg.text.split()).casefold()
        places = self._places(turn)
        exact = [code for code, label in places if typed in (label.casefold(), code.casefold())]
        found = exact or [code for code, label in places if typed and typed in label.casefold()]
        if len(found) == 1:
            self._chosen(turn, found[0])
            return
        turn.say(
            Reply(
                text=turn.tr._(
                    "No single match for “{typed}” among the names offered. Press a button, "
                    "or type more of the name.",
                    typed=turn.msg.text.strip()[:40],
                )
            )
        )

    # -- confirming and creating --------------------------------------------------------

    def _confirm(self, turn: Turn, kind: Kind, scope: str) -> None:
        _ = turn.tr._
        turn.goto(INVITE, "confirm", kind=kind, scope=scope)
        turn.say(
            Reply(
                text=_(
                    "Create an invitation to be {role}?\n\nWhoever opens the link and "
                    "accepts first gets the role; it works once, for 72 hours.",
                    role=role_text(turn, kind, scope),
                ),
                choices=(
                    (
                        turn.button(_("✅ Create link"), "create"),
                        turn.button(_("✖ Cancel"), "cancel"),
                    ),
                ),
            )
        )

    def _confirm_button(self, turn: Turn, value: str) -> None:
        state = turn.require_state()
        kind, scope = state.data.get("kind"), str(state.data.get("scope", ""))
        if value != "create" or kind not in ("admin", "staff"):
            self.stale(turn)
            return
        created = invite(turn, kind, scope)
        if created is None:
            turn.end()
            turn.say(Reply(text=turn.tr._("You may not invite to that role.")))
            return
        token, invitation = created
        turn.end()
        turn.say(self._links(turn, token, kind, scope, invitation.expires))

    def _links(self, turn: Turn, token: str, kind: Kind, scope: str, expires: float) -> Reply:
        _ = turn.tr._
        links = turn.svc.bot_links.start_links(turn.svc.config, PREFIX + token)
        lines = [
            _(
                "Invitation to be {role}: send this link privately to the person.",
                role=role_text(turn, kind, scope),
            ),
            "",
        ]
        if "tg" in links:
            lines.append(_("Telegram: {link}", link=links["tg"]))
        if "wa" in links:
            lines.append(_("WhatsApp: {link}", link=links["wa"]))
        if not links:
            lines.append(_("Send the bot this: /start {payload}", payload=PREFIX + token))
        lines += [
            "",
            _(
                "It works once, until {until}. Anyone holding the link can use it: do not "
                "post it in a group.",
                until=when_text(turn, expires),
            ),
        ]
        return Reply(text="\n".join(lines))

    def _cancel(self, turn: Turn, value: str) -> None:
        turn.end()
        turn.say(Reply(text=turn.tr._("Cancelled: no invitation was made."), edit=True))


class AcceptFlow(StepFlow):
    """`/start inv_<token>`: seeing an invitation, accepting or declining it."""

    name = ACCEPT

    def __init__(self) -> None:
        """The one step of `undangan`."""
        self.steps = {"answer": Step(self._answer_button)}

    def begin(self, turn: Turn, args: str) -> None:
        """Show the invitation the link names, or why it cannot be used."""
        token = token_of(args.strip()) or ""
        invitation = turn.svc.invitations.get(token, turn.now)
        _ = turn.tr._
        if invitation is None:
            turn.end()
            turn.say(
                Reply(
                    text=_(
                        "This invitation link is not valid. Ask the person who invited you "
                        "for a new one."
                    )
                )
            )
            return
        if invitation.state != "open":
            turn.end()
            turn.say(
                Reply(text=self._closed(turn, invitation.state, invitation.by, invitation.expires))
            )
            return
        if invitation.by == str(turn.address):
            turn.end()
            turn.say(
                Reply(
                    text=_("This is your own invitation: send the link to the person you invite.")
                )
            )
            return
        if turn.svc.roles.grants.holds(turn.address, invitation.kind, invitation.scope):
            turn.end()
            turn.say(
                Reply(
                    text=_(
                        "You already are {role}.",
                        role=role_text(turn, invitation.kind, invitation.scope),
                    )
                )
            )
            return
        inviter = turn.svc.roles.admin_name(Address.parse(invitation.by))
        name = turn.msg.name or _("(no name yet)")
        turn.goto(ACCEPT, "answer", invitation=invitation.id, token=token, name=turn.msg.name)
        what = (
            _("You will answer residents' aspirasi and hoax checks in the staff group.")
            if invitation.kind == "staff"
            else _("You will send announcements to its residents with /broadcast.")
        )
        text = "\n\n".join(
            [
                _(
                    "{inviter} invites you to be {role}.",
                    inviter=inviter,
                    role=role_text(turn, invitation.kind, invitation.scope),
                ),
                what,
                _(
                    "If you accept, KIM Bot keeps your name ({name}) and your account with the "
                    "role, and records what you do with it for the Diskominfo's audit trail. "
                    "/dataku shows it; /hapusdata gives the role up.",
                    name=name,
                ),
            ]
        )
        turn.say(
            Reply(
                text=text,
                choices=((turn.button(_("✅ Accept"), "yes"), turn.button(_("✖ Decline"), "no")),),
            )
        )

    def _closed(self, turn: Turn, state: State, by: str, expires: float) -> str:
        _ = turn.tr._
        inviter = turn.svc.roles.admin_name(Address.parse(by)) if by else ""
        if state == "used":
            return _(
                "This invitation was used already. Ask {inviter} for a new one if you need it.",
                inviter=inviter,
            )
        if state == "declined":
            return _(
                "This invitation was declined. Ask {inviter} for a new one if you need it.",
                inviter=inviter,
            )
        if state == "expired":
            return _(
                "This invitation expired on {when}. Ask {inviter} for a new one.",
                when=when_text(turn, expires),
                inviter=inviter,
            )
        return _("This invitation link is not valid. Ask the person who invited you for a new one.")

    def _answer_button(self, turn: Turn, value: str) -> None:
        state = turn.require_state()
        if value not in ("yes", "no"):
            self.stale(turn)
            return
        token = str(state.data.get("token", ""))
        invitation = turn.svc.invitations.get(token, turn.now)
        turn.end()
        if invitation is None:
            turn.say(Reply(text=self._closed(turn, "unknown", "", 0.0)))
            return
        taken = turn.svc.invitations.take(token, str(turn.address), turn.now, accept=value == "yes")
        if taken != "open":
            turn.say(Reply(text=self._closed(turn, taken, invitation.by, invitation.expires)))
            return
        if value == "no":
            turn.say(Reply(text=turn.tr._("Declined. Nothing was kept about you.")))
            kind, scope = invitation.kind, invitation.scope
            tell(
                turn,
                invitation.by,
                lambda t: t.tr._(
                    "Your invitation to be {role} was declined.", role=role_text(t, kind, scope)
                ),
            )
            return
        profile = turn.msg.name or str(state.data.get("name", ""))
        self._granted(turn, invitation, profile)

    def _granted(self, turn: Turn, invitation: Invitation, profile: str) -> None:
        svc = turn.svc
        kind, scope, by = invitation.kind, invitation.scope, invitation.by
        name = svc.roles.grants.set_name(turn.address, profile, edited=False) if profile else ""
        grant = svc.roles.grants.grant(turn.address, kind, scope, by, turn.now, invitation.id)
        name = name or svc.roles.admin_name(turn.address)
        role = role_text(turn, kind, scope)
        svc.audit.record(
            "invite.used",
            **actors.person(svc.roles, turn.address),
            object=f"invite:{invitation.id[:12]}",
            scope=scope,
            detail={"kind": kind, "invited_by": svc.roles.admin_name(Address.parse(by))},
        )
        svc.audit.record(
            "role.granted",
            **actors.person(svc.roles, Address.parse(by)),
            object=f"grant:{grant.id}",
            scope=scope,
            detail={"kind": kind, "holder": str(turn.address), "holder_name": name},
        )
        _ = turn.tr._
        lines = [_("Welcome! You are now {role}.", role=role)]
        if kind == "staff":
            where = routing.place(svc.config, scope)
            main = svc.config.roles.staff.group
            link = svc.bot_links.staff_group_link() if where and str(where[0]) == main else ""
            if link:
                lines.append(
                    _(
                        "Join the staff group with this link; your request is approved "
                        "because you are staff: {link}",
                        link=link,
                    )
                )
            else:
                lines.append(_("Ask a superadmin to add you to the staff group."))
        else:
            lines.append(
                _("Type /broadcast to send an announcement, /nama to change the name others see.")
            )
        turn.say(Reply(text="\n\n".join(lines)))
        tell(
            turn,
            by,
            lambda t: t.tr._(
                "{name} accepted your invitation and is now {role}.",
                name=name,
                role=role_text(t, kind, scope),
            ),
        )
