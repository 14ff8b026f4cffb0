"""What happens to an alert once it is on record: who may be told, decided from its CAP
fields and config.yaml's `alerts` section, in this order:

| the alert | decision |
| --- | --- |
| status System or Draft, or msgType Ack or Error | `ignored` (nothing for residents) |
| no area matches the deployment (a Cancel: nor that of what it cancels) | `ignored` |
| its expiry (`expires`, else `sent` + `default_expiry_hours`) has passed | `expired`: never sent |
| msgType Cancel of an alert on record | `all-clear` to whoever got that alert |
| msgType Cancel of nothing on record | `ignored` (no one was told) |
| status Test or Exercise | `staff`: the staff group only |
| Actual, its gravest severity in `immediate_severities` (Extreme, Severe) | `auto`: at once |
| any other Actual | `draft`: a superadmin approves it first |

An Update is decided as an Alert is, on its own fields and areas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.alerts.cap import Alert
from bot.platform.config import Alerts

AUTO, DRAFT, STAFF = "auto", "draft", "staff"
EXPIRED, ALL_CLEAR, IGNORED = "expired", "all-clear", "ignored"
DECISIONS = (AUTO, DRAFT, STAFF, EXPIRED, ALL_CLEAR, IGNORED)


@dataclass(frozen=True)
class Decision:
    """The path an alert takes, and why (one English line for the record and the CLI)."""

    path: str
    reason: str


def expiry(alert: Alert, settings: Alerts) -> float:
    """When the alert stops applying (seconds since the epoch)."""
    until = alert.expires or alert.sent + timedelta(hours=settings.default_expiry_hours)
    return until.timestamp()


def decide(
    alert: Alert, settings: Alerts, covered: int, references_known: int, now: float
) -> Decision:
    """The decision for `alert` covering `covered` villages, of whose references
    `references_known` are on record, at `now`."""
    if alert.status in ("System", "Draft") or alert.msg_type in ("Ack", "Error"):
        return Decision(IGNORED, f"{alert.status} {alert.msg_type}: not for residents")
    if not covered and not (alert.msg_type == "Cancel" and not references_known):
        return Decision(IGNORED, "no area in the deployment")
    if expiry(alert, settings) <= now:
        return Decision(EXPIRED, "expired before it was ingested: never sent")
    if alert.msg_type == "Cancel":
        if references_known:
            return Decision(
                ALL_CLEAR, "cancels an alert on record: the all-clear to its recipients"
            )
        return Decision(IGNORED, "cancels no alert on record: no one was told")
    if alert.status in ("Test", "Exercise"):
        return Decision(STAFF, f"{alert.status}: to staff only")
    if alert.severity in settings.immediate_severities:
        return Decision(AUTO, f"Actual, {alert.severity}: at once")
    return Decision(DRAFT, f"Actual, {alert.severity}: awaits a superadmin's approval")
