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

    def submit(
        self, announcement_id: str, at: float | None = None, *, priority: bool = False
    ) -> None:
        """Deliver now, or at `at` (the announcement's scheduled time) when still ahead.

        Cancelling needs no call: a cancelled announcement's batches stop at their next
        check of its state, and a scheduled start finds it cancelled. With `priority`
        (an early warning) it goes ahead of every bulk broadcast.
        """
        ...

    def notify(self, to: Address, reply: Reply, about: Address | None = None) -> None:
        """Send a message to someone other than the sender, through the paced queue.

        `about` is the resident the message concerns (default: `to`, when a person's
        chat): erasing that resident drops the message if it still waits.
        """
        ...

    def fan_out(self, run_id: str) -> None:
        """Tell everyone who received a corrected or withdrawn verdict, in one job
        (the run is recorded by bot/desk/correction_runs.py)."""
        ...


class NoDispatch:
    """For processes that only read (config check): refuses to deliver."""

    def submit(
        self, announcement_id: str, at: float | None = None, *, priority: bool = False
    ) -> None:
        """Refuse."""
        raise RuntimeError("this process cannot deliver announcements")

    def notify(self, to: Address, reply: Reply, about: Address | None = None) -> None:
        """Refuse."""
        raise RuntimeError("this process cannot send messages")

    def fan_out(self, run_id: str) -> None:
        """Refuse."""
        raise RuntimeError("this process cannot send messages")
