"""The audit trail an inspector reads: who did what, to what, where, and when.

- `trail`: the append-only trail in a Redis stream, its retention, residents' pseudonyms.
- `actions`: every action it records, with its label, and the roles of those who act.
- `actors`: who an address is for the trail (name and role), from the core's roles.
"""

from bot.audit.actions import ACTIONS, OPERATOR, ROLES, SYSTEM
from bot.audit.trail import AuditEntry, AuditTrail

__all__ = ["ACTIONS", "OPERATOR", "ROLES", "SYSTEM", "AuditEntry", "AuditTrail"]
