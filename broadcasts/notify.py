"""Single messages to someone other than the person who caused them, on the paced queue.

Used for staff cards (sent once, then edited in place), their attachments, approvals
for superadmins, and every ticket update a resident is told about. The channel of the
address sends it (broadcasts/senders.py), with a priority token from the shared limiter.
Each is counted for the metrics by the first word of its outcome (`sent`, `edited`,
`held`, …), or as `error` when the send raised (RQ retries the job).
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.platform.addresses import Address
from bot.platform.messages import Reply, reply_from_dict
from broadcasts.context import JobContext, job_context
from broadcasts.tally import TALLY


def notify_job(to: str, reply: dict[str, Any]) -> str:
    """Send (or, for a staff card that exists, edit) one message."""
    return asyncio.run(_notify(job_context(), Address.parse(to), reply_from_dict(reply)))


async def _notify(ctx: JobContext, to: Address, reply: Reply) -> str:
    senders = ctx.senders()
    outcome = "error"
    try:
        result = await senders.get(to.platform).notify(to, reply)
        outcome = result.split(";")[0]
        return result
    finally:
        TALLY.add(f"sends:notice:{to.platform}:{outcome}")
        await senders.aclose()
