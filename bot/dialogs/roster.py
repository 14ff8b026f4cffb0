"""`/peran`: the roles someone manages, with revocation; `/nama`: a role holder's name.

`/peran` lists, seven to a page, every role the presser covers (bot/people/authority.py):
those granted by invitation, each with a ✖ button, and config.yaml's, marked "from
config.yaml" (changed there, not here). ✖ asks once more; confirming re-checks that the
presser still covers the role, takes it away, tells its holder, and shows the list
again. The holder's very next press then meets the check (bot/announcements/roles.py).

`/nama <name>` sets the name a role holder goes by on cards, reports and exports (their
profile name until then); `/nama` alone shows it.
"""

from __future__ import annotations

from bot.audit import actors
from bot.dialogs.invite import authority, role_text, tell, when_text
from bot.dialogs.steps import Step, StepFlow
from bot.dialogs.turn import Turn
from bot.people.authority import Holder
from bot.people.grants import MAX_NAME, clean_name
from bot.platform.addresses import Address
from bot.platform.messages import Reply, rows

ROSTER = "peran"
PAGE = 7


class RosterFlow(StepFlow):
    """`/peran`: listing and revoking roles."""

    name = ROSTER

    def __init__(self) -> None:
        """The steps of `peran`."""
        self.steps = {
            "list": Step(self._list_button),
            "confirm": Step(self._confirm_button),
        }

    def begin(self, turn: Turn, args: str) -> None:
        """The first page of roles."""
        if not authority(turn).offers(turn.address):
            turn.end()
            turn.say(Reply(text=turn.tr._("This command is for superadmins and kecamatan admins.")))
            return
        turn.goto(ROSTER, "list", page=0)
        self._show(turn)

    def admits(self, turn: Turn) -> bool:
        """Only while the person still manages roles."""
        if authority(turn).offers(turn.address):
            return True
        turn.end()
        turn.say(Reply(text=turn.tr._("You may no longer manage roles.")))
        return False

    def _show(self, turn: Turn, edit: bool = False, note: str = "") -> None:
        state = turn.require_state()
        _ = turn.tr._
        holders = authority(turn).holders(turn.address)
        pages = max(1, -(-len(holders) // PAGE))
        page = min(max(int(state.data.get("page", 0)), 0), pages - 1)
        shown = holders[page * PAGE : (page + 1) * PAGE]
        lines = [note, ""] if note else []
        if not holders:
            lines.append(_("Nobody holds a role you manage yet. /undang invites someone."))
        else:
            lines.append(_("Roles you manage ({count}):", count=turn.tr.number(len(holders))))
        buttons = []
        for number, holder in enumerate(shown, start=page * PAGE + 1):
            lines.append(f"{number}. {self._line(turn, holder)}")
            if holder.grant is not None:
                buttons.append(turn.button(f"✖ {number}", f"rv.{holder.grant.id}"))
        nav = []
        if page > 0:
            nav.append(turn.button(_("‹ Previous"), f"page.{page - 1}"))
        if page < pages - 1:
            nav.append(turn.button(_("More ›"), f"page.{page + 1}"))
        if buttons:
            lines += ["", _("✖ and a number revokes that role.")]
        choices = (*rows(buttons, 4), *((tuple(nav),) if nav else ()))
        turn.say(Reply(text="\n".join(lines), choices=choices, edit=edit))

    @staticmethod
    def _line(turn: Turn, holder: Holder) -> str:
        _ = turn.tr._
        role = role_text(turn, holder.kind, holder.scope)
        if holder.grant is None:
            return _("{name}: {role} (from config.yaml)", name=holder.name, role=role)
        by = turn.svc.roles.admin_name(Address.parse(holder.grant.by))
        return _(
            "{name}: {role}, invited by {by} on {when}",
            name=holder.name,
            role=role,
            by=by,
            when=when_text(turn, holder.grant.at),
        )

    def _list_button(self, turn: Turn, value: str) -> None:
        verb, _, arg = value.partition(".")
        if verb == "page" and arg.isdigit():
            turn.goto(ROSTER, "list", page=int(arg))
            self._show(turn, edit=True)
            return
        grant = turn.svc.roles.grants.get(arg) if verb == "rv" else None
        if grant is None or not authority(turn).covers(turn.address, grant.kind, grant.scope):
            self.stale(turn)
            return
        _ = turn.tr._
        turn.goto(ROSTER, "confirm", grant=grant.id)
        name = turn.svc.roles.admin_name(grant.holder)
        turn.say(
            Reply(
                text=_(
                    "Revoke {name}'s role, {role}? They are told; their next button press "
                    "is refused.",
                    name=name,
                    role=role_text(turn, grant.kind, grant.scope),
                ),
                choices=((turn.button(_("✅ Revoke"), "yes"), turn.button(_("✖ Keep"), "no")),),
            )
        )

    def _confirm_button(self, turn: Turn, value: str) -> None:
        state = turn.require_state()
        if value not in ("yes", "no"):
            self.stale(turn)
            return
        grant_id = str(state.data.get("grant", ""))
        turn.goto(ROSTER, "list", page=int(state.data.get("page", 0)))
        if value == "no":
            self._show(turn)
            return
        revoked = revoke(turn, grant_id)
        if revoked is None:
            self._show(turn, note=turn.tr._("That role was revoked already."))
            return
        self._show(
            turn, note=turn.tr._("Revoked: {name}, {role}.", name=revoked[0], role=revoked[1])
        )


def revoke(turn: Turn, grant_id: str) -> tuple[str, str] | None:
    """Take a granted role away if the presser (still) covers it: the grant goes, an
    audit entry, the holder is told. Returns the holder's name and the role in words;
    None when there is no such grant (any more) or it is not theirs to revoke. `/peran`'s
    ✅ Revoke and the console's revoke both come here."""
    roles = turn.svc.roles
    grant = roles.grants.get(grant_id)
    if grant is None or not authority(turn).covers(turn.address, grant.kind, grant.scope):
        return None
    name = roles.admin_name(grant.holder)
    role = role_text(turn, grant.kind, grant.scope)
    roles.grants.revoke(grant.id)
    turn.svc.audit.record(
        "role.revoked",
        **actors.person(roles, turn.address),
        object=f"grant:{grant.id}",
        scope=grant.scope,
        detail={"kind": grant.kind, "holder": str(grant.holder), "holder_name": name},
    )
    by = roles.admin_name(turn.address)
    tell(
        turn,
        str(grant.holder),
        lambda t: t.tr._(
            "Your role, {role}, was revoked by {by}.",
            role=role_text(t, grant.kind, grant.scope),
            by=by,
        ),
    )
    return name, role


class NameFlow(StepFlow):
    """`/nama`: the name a role holder goes by."""

    name = "nama"

    def begin(self, turn: Turn, args: str) -> None:
        """Set the name given, or show the current one."""
        roles = turn.svc.roles
        _ = turn.tr._
        turn.end()
        if not (roles.is_admin(turn.address) or roles.is_staff(turn.address)):
            turn.say(Reply(text=_("/nama is for KIM admins and desk staff.")))
            return
        wanted = clean_name(args)
        if not wanted:
            turn.say(
                Reply(
                    text=_(
                        "Your name on cards, reports and exports: {name}. To change it, type "
                        "/nama and the name, e.g. /nama Siti Aminah (at most {max} characters).",
                        name=roles.admin_name(turn.address),
                        max=turn.tr.number(MAX_NAME),
                    )
                )
            )
            return
        name = roles.grants.set_name(turn.address, wanted, edited=True)
        turn.say(Reply(text=_("Your name is now {name}.", name=name)))
