"""What is done with an alert once it is on record: sent, drafted, told to staff, or not.

`act(svc, ingested)` follows the alert's decision (bot/alerts/decision.py):
- `auto` and `all-clear`: an announcement carrying the alert (`Announcement.alert`) is
  created and submitted with priority: its batches go to the alert queue ahead of every
  bulk broadcast, take priority tokens from the shared limiter, and are rendered per
  recipient (`texts`), in their language with their kelurahan named;
- `draft`: the announcement waits (`awaiting_approval`) and every superadmin gets the
  warning with ✅ Kirim / ✖ Abaikan (`AlertAction`), which `decide` acts on;
- `staff`: the warning, marked as a test, goes to the staff group only;
- `expired`, `ignored`: nothing is sent.
An Update or Cancel, when it goes out (a drafted one: once approved), first stops what is
still going out of the alerts it changes, then reaches everyone those alerts reached
(kept in the alert's own set of them, by bot/alerts/store.py); an Update also reaches
its own villages' residents, a Cancel (the all-clear) no one else. Whether an alert is
still live is asked again by every batch right before it sends (`live`): an expired one
is stopped, never sent.
"""

from __future__ import annotations

import logging

from bot.alerts import cap
from bot.alerts.areas import Coverage
from bot.alerts.decision import ALL_CLEAR, AUTO, DRAFT, EXPIRED, STAFF
from bot.alerts.message import alert_text
from bot.alerts.store import AlertRecord, Ingested, recipients_key
from bot.announcements.store import Announcement, State
from bot.audit import actors
from bot.audit.actors import Actor
from bot.platform.actions import AlertAction
from bot.platform.addresses import Address
from bot.platform.messages import Choice, Reply
from bot.services import Services

log = logging.getLogger(__name__)
APPROVED, REJECTED = "approved", "ignored"
OPEN: tuple[State, ...] = ("awaiting_approval", "queued", "sending")


def act(svc: Services, ingested: Ingested) -> str:
    """Do what the newly ingested alert's decision says; a word for logs and the CLI."""
    record = ingested.record
    if ingested.duplicate:
        return "on record already"
    if record.decision in (AUTO, ALL_CLEAR):
        ann = start(svc, record, awaiting=False)
        return f"sending as broadcast #{ann.id}" if ann else "no one to tell"
    if record.decision == DRAFT:
        ann = start(svc, record, awaiting=True)
        if ann is None:
            return "no one to tell"
        ask_superadmins(svc, record, svc.announcements.count_audience(ann.targets))
        return f"awaits a superadmin as broadcast #{ann.id}"
    if record.decision == STAFF:
        return "told the staff group" if to_staff(svc, record) else "no staff group"
    return "not sent"


def _earlier(svc: Services, record: AlertRecord) -> list[AlertRecord]:
    """The alerts of its chain that came before it (what an Update or Cancel changes)."""
    if not record.references:
        return []
    return [r for r in svc.alerts.chain(record.root) if r.id != record.id]


def start(svc: Services, record: AlertRecord, awaiting: bool) -> Announcement | None:
    """Create the announcement that carries `record` and submit it, or keep it `awaiting`
    a superadmin; None when it would reach no one."""
    targets = [] if record.msg_type == "Cancel" else list(record.villages)
    earlier = [e for e in _earlier(svc, record) if e.delivery]
    reached = set() if awaiting else _supersede(svc, record, earlier)
    if not targets and not (reached if not awaiting else earlier):
        return None
    ann = svc.announcements.create(
        None,
        targets,
        svc.clock.now(),
        needs_approval=awaiting,
        alert=record.id,
        audience_set=recipients_key(record.id) if earlier else "",
    )
    svc.alerts.link(record.id, ann.id)
    if not awaiting:
        svc.dispatch.submit(ann.id, priority=True)
    return ann


def _supersede(svc: Services, record: AlertRecord, earlier: list[AlertRecord]) -> set[str]:
    """Right before `record` goes out: stop what is still going out of the alerts it
    changes, and keep everyone they reached as its further recipients."""
    reached: set[str] = set()
    now = svc.clock.now()
    for one in earlier:
        if svc.announcements.move(
            one.delivery, "cancelled", OPEN, finished_at=now, note=f"alert #{record.id}"
        ):
            log.info("alert %s stops the delivery of alert %s", record.id, one.id)
        reached.update(svc.announcements.reached(one.delivery))
    if reached:
        svc.alerts.remember_recipients(record.id, sorted(reached))
    return reached


def preview(svc: Services, record: AlertRecord, locale: str) -> str:
    """The warning as a resident of no particular kelurahan would read it in `locale`."""
    tr = svc.translator(locale)
    alert = svc.alerts.alert(record.id)
    if alert is None:
        return record.headline or record.event
    return alert_text(tr, svc.regions, record, alert, None, _ended(svc, record))


def _ended(svc: Services, record: AlertRecord) -> AlertRecord | None:
    return svc.alerts.get(record.root) if record.msg_type == "Cancel" else None


def _regions(svc: Services, record: AlertRecord) -> str:
    return ", ".join(Coverage(record.villages, ()).summary(svc.regions))


def ask_superadmins(svc: Services, record: AlertRecord, residents: int) -> None:
    """The drafted warning with ✅ Kirim and ✖ Abaikan to every superadmin."""
    locale = svc.config.locales.default
    tr = svc.translator(locale)
    head = tr._(
        "Early warning #{id} awaits your approval: {regions}, {residents} residents.",
        id=record.id,
        regions=_regions(svc, record),
        residents=tr.number(residents),
    )
    choices = (
        (
            Choice(tr._("✅ Send"), AlertAction("send", record.id).pack()),
            Choice(tr._("✖ Ignore"), AlertAction("ignore", record.id).pack()),
        ),
    )
    text = f"{head}\n\n{preview(svc, record, locale)}"
    if not svc.config.roles.superadmins:
        log.warning("alert %s awaits a superadmin, and none is configured", record.id)
    for who in svc.config.roles.superadmins:
        svc.dispatch.notify(Address.parse(who), Reply(text=text, choices=choices))


def to_staff(svc: Services, record: AlertRecord) -> bool:
    """A Test or Exercise warning to the staff group; False when there is none."""
    group = svc.config.roles.staff.group
    if not group:
        log.warning("alert %s is for staff only, and no staff group is configured", record.id)
        return False
    text = preview(svc, record, svc.config.locales.default)
    svc.dispatch.notify(Address.parse(group), Reply(text=text))
    return True


def decide(svc: Services, alert_id: str, send: bool, who: Address) -> str:
    """A superadmin's ✅ Kirim (`send`) or ✖ Abaikan on a drafted alert: "sent",
    "ignored", "expired" (past its expiry: never sent), or "already <decision>"."""
    record = svc.alerts.get(alert_id)
    ann = svc.announcements.get(record.delivery) if record and record.delivery else None
    if record is None or ann is None:
        return "missing"
    if ann.state != "awaiting_approval":
        return f"already {record.decision}"
    now = svc.clock.now()
    actor = actors.person(svc.roles, who)
    if send and record.expires <= now:
        if svc.announcements.move(ann.id, "cancelled", ["awaiting_approval"], finished_at=now):
            svc.alerts.decide(alert_id, EXPIRED, "expired before it was approved", str(who))
            svc.alerts.forget_recipients(alert_id)
        return "expired"
    to: State = "queued" if send else "rejected"
    if not svc.announcements.move(ann.id, to, ["awaiting_approval"], approved_by=str(who)):
        return f"already {record.decision}"
    decision = APPROVED if send else REJECTED
    reason = "approved by a superadmin" if send else "ignored by a superadmin"
    svc.alerts.decide(alert_id, decision, reason, str(who))
    _audit(svc, record, "alert.approved" if send else "alert.ignored", actor, {"was": "draft"})
    if send:
        _supersede(svc, record, [e for e in _earlier(svc, record) if e.delivery])
        svc.dispatch.submit(ann.id, priority=True)
        return "sent"
    svc.alerts.forget_recipients(alert_id)
    return "ignored"


def _audit(
    svc: Services, record: AlertRecord, action: str, actor: Actor, detail: dict[str, str | int]
) -> None:
    scope = ",".join(Coverage(record.villages, ()).codes(svc.regions))
    svc.audit.record(action, **actor, object=f"alert:{record.id}", scope=scope, detail=detail)


def live(svc: Services, ann: Announcement) -> bool:
    """Whether the alert `ann` carries may still be sent now; an expired one's delivery
    is stopped (cancelled, with the reason as its note) and its record says so."""
    record = svc.alerts.get(ann.alert)
    now = svc.clock.now()
    if record is not None and record.expires > now:
        return True
    if svc.announcements.move(ann.id, "cancelled", ["sending"], finished_at=now, note="expired"):
        log.warning("alert %s expired while going out: the rest is not sent", ann.alert)
        if record is not None:
            svc.alerts.decide(record.id, EXPIRED, "expired while going out: the rest not sent", "")
    return False


def texts(svc: Services, ann: Announcement, recipients: list[Address]) -> dict[Address, str]:
    """Each recipient's own message: their language, their kelurahan named."""
    record = svc.alerts.get(ann.alert)
    alert = svc.alerts.alert(ann.alert) if record is not None else None
    if record is None or alert is None:
        return {}
    ended = _ended(svc, record)
    enabled = svc.config.locales.enabled
    default = svc.config.locales.default
    rendered: dict[tuple[str, str], str] = {}
    found: dict[Address, str] = {}
    for address, (locale, village) in zip(
        recipients, svc.residents.places(recipients), strict=True
    ):
        key = (locale if locale in enabled else default, village)
        if key not in rendered:
            rendered[key] = _text(svc, record, alert, key, ended)
        found[address] = rendered[key]
    return found


def _text(
    svc: Services,
    record: AlertRecord,
    alert: cap.Alert,
    key: tuple[str, str],
    ended: AlertRecord | None,
) -> str:
    locale, village = key
    return alert_text(svc.translator(locale), svc.regions, record, alert, village or None, ended)


def delivered(svc: Services, ann: Announcement) -> None:
    """Every recipient has an outcome: the alert's reach and timing in the audit trail."""
    record = svc.alerts.get(ann.alert)
    if record is None:
        return
    detail: dict[str, str | int] = {
        "delivered": ann.counts.get("sent", 0),
        "failed": ann.counts.get("failed", 0),
        "blocked": ann.counts.get("blocked", 0),
        "broadcast": ann.id,
    }
    if record.first_sent:
        detail["first_after_ms"] = round((record.first_sent - record.ingested) * 1000)
        detail["last_after_ms"] = round((record.last_sent - record.ingested) * 1000)
    _audit(svc, record, "alert.sent", actors.system(), detail)
