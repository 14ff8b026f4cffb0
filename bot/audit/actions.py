"""The audit trail's vocabulary: every action it records, with its label, and the roles.

Action names are dotted (`broadcast.approved`); the label is an English message id marked
for extraction and translated when the trail is exported (the deployment's language
first). Which code writes each action: docs/operations.md, "The audit trail".
"""

from __future__ import annotations

from bot.platform.i18n import N_

ACTIONS: dict[str, str] = {
    "role.granted": N_("Role granted"),
    "role.revoked": N_("Role revoked"),
    "invite.created": N_("Invite created"),
    "invite.used": N_("Invite used"),
    "broadcast.composed": N_("Broadcast composed"),
    "broadcast.approved": N_("Broadcast approved"),
    "broadcast.rejected": N_("Broadcast rejected"),
    "broadcast.scheduled": N_("Broadcast scheduled"),
    "broadcast.cancelled": N_("Broadcast cancelled"),
    "broadcast.sent": N_("Broadcast sent"),
    "ticket.claimed": N_("Ticket claimed"),
    "ticket.answered": N_("Ticket answered"),
    "ticket.forwarded": N_("Ticket forwarded"),
    "ticket.rejected": N_("Ticket rejected"),
    "ticket.verdict": N_("Hoax verdict given"),
    "ticket.solved": N_("Ticket confirmed solved by the resident"),
    "ticket.reopened": N_("Ticket reopened by the resident"),
    "ticket.escalated": N_("Overdue tickets escalated to the supervisor"),
    "ticket.moved": N_("Ticket moved to another desk"),
    "hoax.corrected": N_("Hoax verdict corrected"),
    "hoax.withdrawn": N_("Hoax verdict withdrawn"),
    "data.erased": N_("Resident's data erased"),
    "config.reloaded": N_("Configuration reloaded"),
    "export.run": N_("Export run"),
    "console.signed_in": N_("Signed in to the web console"),
    "alert.ingested": N_("Early warning ingested"),
    "poll.created": N_("Poll created"),
    "poll.closed": N_("Poll closed"),
    "alert.approved": N_("Early warning approved"),
    "alert.ignored": N_("Early warning ignored"),
    "alert.sent": N_("Early warning delivered"),
}

# Who acted, as the export's "role" column names them.
ROLES: dict[str, str] = {
    "superadmin": N_("Superadmin"),
    "admin": N_("KIM admin"),
    "staff": N_("Staff"),
    "operator": N_("Operator"),
    "system": N_("System"),
    "resident": N_("Resident"),
}

OPERATOR, SYSTEM = "operator", "system"  # actors that are no address
