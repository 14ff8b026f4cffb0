"""`kimbot audit export`: the audit trail as a spreadsheet an inspector can read.

    kimbot audit export --from 2026-11-01 --to 2026-11-30 [--format csv|xlsx] [--out FILE]

Dates are whole days in the deployment's time zone, both included. The columns are named
in the deployment's language (Waktu, Pelaku, Peran, Tindakan, Objek, Cakupan, Rincian
for Indonesian): the time in the deployment's zone (a date cell in XLSX, ISO 8601 in
CSV), who acted (name and address, `Operator`, `Sistem`, or a resident's pseudonym), their
role, the action's label, what it was done to, the regions by name, and the counts and
values of its detail. The export writes its own `export.run` entry once the file is
written (handlers/report_files.py writes the file, as for the desk's report).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.audit import ACTIONS, ROLES, AuditEntry, actors
from bot.audit.trail import PSEUDONYM
from bot.desk.report import Value
from bot.platform.i18n import N_, Translator
from bot.services import Services
from handlers import report_files
from handlers.tickets_cli import ExportError, day_range

COLUMNS = (
    N_("Time"),
    N_("Actor"),
    N_("Role"),
    N_("Action"),
    N_("Object"),
    N_("Scope"),
    N_("Details"),
)
# Labels of the detail keys the trail writes (others show as they are).
DETAIL_LABELS = {
    "state": N_("state"),
    "residents": N_("residents"),
    "channels": N_("channels"),
    "at": N_("at"),
    "was": N_("was"),
    "delivered": N_("delivered"),
    "failed": N_("failed"),
    "blocked": N_("blocked"),
    "kind": N_("kind"),
    "tickets": N_("tickets"),
    "verdict": N_("verdict"),
    "reason": N_("reason"),
    "requester": N_("requester"),
    "format": N_("format"),
    "rows": N_("rows"),
    "from": N_("from"),
    "to": N_("to"),
    "file": N_("file"),
    "text": N_("with text"),
    "event": N_("event"),
    "status": N_("status"),
    "severity": N_("severity"),
    "decision": N_("decision"),
    "villages": N_("villages"),
    "action": N_("action"),
    "actor": N_("actor"),
}


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: dict[str, str]
) -> None:
    """Add `kimbot audit export` to the command's parser; `common` holds the help texts of
    --config and --data-dir."""
    audit = sub.add_parser("audit", help="the audit trail: who did what, when")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    exp = audit_sub.add_parser("export", help="the audit trail as CSV or XLSX")
    exp.add_argument("--from", dest="start", required=True, help="first day, e.g. 2026-11-01")
    exp.add_argument("--to", dest="end", required=True, help="last day (included)")
    exp.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    exp.add_argument("--out", help="output file (default audit-FROM-TO.FORMAT)")
    exp.add_argument("--config", help=common["config"])
    exp.add_argument("--data-dir", help=common["data_dir"])


def export(
    services: Services,
    start: str,
    end: str,
    fmt: str,
    out: str | None,
    *,
    action_prefix: str = "",
    actor: str = "",
    by: actors.Actor | None = None,
) -> tuple[Path, int]:
    """Write the entries of [start, end] (days), optionally one action family or one
    actor's; return the file and how many entries. `by` ran it (None: the operator)."""
    zone = services.config.deployment.timezone
    begin, finish = day_range(start, end, zone)
    found = services.audit.entries(begin, finish, action_prefix=action_prefix, actor=actor)
    tr = services.translator(services.config.locales.default)
    header = [tr._(c) for c in COLUMNS]
    table = [dict(zip(header, row(services, tr, e), strict=True)) for e in found]
    target = Path(out or f"audit-{start}-{end}.{fmt}")
    if fmt == "xlsx":
        report_files.write_xlsx(target, [(tr._("Audit trail"), header, table)])
    else:
        report_files.write_csv(target, header, table)
    detail: dict[str, str | int] = {"from": start, "to": end, "format": fmt, "rows": len(found)}
    if action_prefix:
        detail["action"] = action_prefix
    if actor:
        detail["actor"] = actor
    services.audit.record("export.run", **(by or actors.operator()), object="audit", detail=detail)
    return target, len(found)


def row(services: Services, tr: Translator, entry: AuditEntry) -> list[Value]:
    """One entry as the export's cells."""
    local = datetime.fromtimestamp(entry.at, ZoneInfo(services.config.deployment.timezone))
    return [
        local.replace(tzinfo=None, second=0, microsecond=0),
        actor_text(tr, entry),
        tr._(ROLES[entry.role]) if entry.role in ROLES else entry.role,
        tr._(ACTIONS[entry.action]) if entry.action in ACTIONS else entry.action,
        object_text(tr, entry.object),
        scope_text(services, entry.scope),
        "; ".join(
            f"{tr._(DETAIL_LABELS[k]) if k in DETAIL_LABELS else k}: {v}"
            for k, v in entry.detail.items()
        ),
    ]


def actor_text(tr: Translator, entry: AuditEntry) -> str:
    """A person's name and address, the operator, the system, or a resident's pseudonym."""
    if entry.role in ("operator", "system") and entry.actor == entry.role:
        return tr._(ROLES[entry.role])
    if entry.actor_name and entry.actor_name != entry.actor:
        return f"{entry.actor_name} ({entry.actor})"
    return entry.actor


def object_text(tr: Translator, value: str) -> str:
    """What an entry was about, in words: `broadcast:12` → Pengumuman #12."""
    kind, _, ident = value.partition(":")
    if PSEUDONYM.match(value):
        return tr._("Resident {pseudonym}", pseudonym=value)
    if kind == "broadcast":
        return tr._("Announcement #{id}", id=ident)
    if kind == "ticket":
        return tr._("Ticket {id}", id=ident)
    if kind == "hoax":
        return tr._("Hoax claim {id}", id=ident)
    if kind == "alert":
        return tr._("Early warning #{id}", id=ident)
    return {
        "tickets": tr._("Desk report"),
        "hoaxes": tr._("Hoax archive"),
        "audit": tr._("Audit trail"),
        "subscribers": tr._("Subscribers per region"),
    }.get(value, value)


def scope_text(services: Services, scope: str) -> str:
    """Region codes (and komunitas) by their names, e.g. Kec. Cibeber, Bagendung."""
    names = []
    for key in filter(None, scope.split(",")):
        try:
            names.append(services.roles.label(key))
        except KeyError:
            names.append(key)  # a region no longer in config.yaml
    return ", ".join(names)


def command(services: Services, args: argparse.Namespace) -> int:
    """`kimbot audit export …`; bad dates: a line on stderr and exit status 2."""
    try:
        path, count = export(services, args.start, args.end, args.format, args.out)
    except ExportError as exc:
        print(f"kimbot audit export: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"kimbot audit export: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"written {path}: {count} entries")
    return 0
