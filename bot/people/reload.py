"""Reloading config.yaml while the bot runs (SIGHUP), without dropping an update.

`kimbot run` reloads on SIGHUP (`systemctl reload kimbot`): the file is read and checked
as `kimbot config check` does; a file with problems changes nothing (the problems are
logged). Otherwise the sections that every check reads afresh take effect at once, for
the next message or press: `roles` (superadmins, admins, staff), `broadcasts`, `desk`,
`privacy`, `audit` and `alerts`. The sections that processes build on when they start keep their
running values until a restart, and the log names those that changed: `deployment`,
`locales`, `regions`, `channels`, `komunitas`, `limits`, `whatsapp` and `console`. Jobs read
config.yaml when each starts, so workers follow the same file without a signal. The
server never stops listening, so no update is lost or answered twice meanwhile. Each
reload writes one audit entry (`config.reloaded`, by the operator, with what changed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.audit import actors
from bot.platform.config import Config, load_config
from bot.services import Services

RESTART_ONLY = (
    "deployment",
    "locales",
    "regions",
    "channels",
    "komunitas",
    "limits",
    "whatsapp",
    "console",
)


@dataclass(frozen=True)
class Reloaded:
    """What a reload did: the sections now in effect and those waiting for a restart."""

    applied: tuple[str, ...]
    waiting: tuple[str, ...]


def changed_sections(old: Config, new: Config) -> list[str]:
    """The top-level sections whose values differ."""
    return [name for name in type(old).model_fields if getattr(old, name) != getattr(new, name)]


def reload_config(services: Services, path: str | Path) -> Reloaded:
    """Apply config.yaml at `path` to the running core (raises ConfigError, changing
    nothing, when the file has problems)."""
    new = load_config(path)
    old = services.config
    changed = changed_sections(old, new)
    waiting = tuple(s for s in changed if s in RESTART_ONLY)
    applied = tuple(s for s in changed if s not in RESTART_ONLY)
    effective = new.model_copy(update={s: getattr(old, s) for s in RESTART_ONLY})
    services.config = effective
    services.roles.config = effective
    services.alerts.settings = effective.alerts
    services.audit.record(
        "config.reloaded",
        **actors.operator(),
        object=str(path),
        detail={"applied": ",".join(applied), "after_restart": ",".join(waiting)},
    )
    return Reloaded(applied, waiting)
