"""The core's port to outbound delivery: implemented in `broadcasts`, injected at start.

The core decides what to send and records it; it never imports the job queue. The
composition root gives `Services` an object with these methods (RQ-backed in production,
a recording fake in dialogue tests that do not deliver).
"""

from __future__ import annotations

from typing import Protocol

from bot.platform.addresses import Address
from bot.platform.messages import Reply


class Dispatch(Protocol):
    """Hand announcements to the delivery machinery."""

    def submit(self, announcement_id: str) -> None:
        """Deliver now, or at the announcement's scheduled time."""
        ...

    def cancel(self, announcement_id: str) -> None:
        """Stop a scheduled or running delivery (the state is already `cancelled`)."""
        ...

    def notify(self, to: Address, reply: Reply) -> None:
        """Send a message to someone other than the sender, through the paced queue."""
        ...


class NoDispatch:
    """For processes that only read (config check): refuses to deliver."""

    def submit(self, announcement_id: str) -> None:
        """Refuse."""
        raise RuntimeError("this process cannot deliver announcements")

    def cancel(self, announcement_id: str) -> None:
        """Nothing to stop."""

    def notify(self, to: Address, reply: Reply) -> None:
        """Refuse."""
        raise RuntimeError("this process cannot send messages")
