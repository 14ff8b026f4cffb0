"""Retention: residents who stopped longer ago than `privacy.retention_days` are erased."""

from __future__ import annotations

from bot.services import Services

DAY = 86400.0


def sweep_expired(svc: Services) -> int:
    """Erase every resident whose retention period has ended; return how many."""
    cutoff = svc.clock.now() - svc.config.privacy.retention_days * DAY
    erased = 0
    while batch := svc.residents.stopped_before(cutoff):
        for address in batch:
            svc.privacy.erase(address, retention=True)
            erased += 1
    return erased
