"""Single messages to someone other than the person who caused them, on the paced queue.

Used for staff cards (sent once, then edited in place), their attachments, approvals
for superadmins, and every ticket update a resident is told about. The job gets only the
notice's id (broadcasts/notices.py holds the notice): a notice erased with its resident,
or expired, is not sent. The channel of the address sends it (broadcasts/senders.py),
with a priority token from the shared limiter. Each is counted for the metrics by the
first word of its outcome (`sent`, `edited`, `held`, …), or as `error` when the send
raised (RQ retries the job).
"""

from __future__ import annotations

from rq import get_current_job

from broadcasts import eventloop
from broadcasts.context import JobContext, job_context
from broadcasts.failures import scrubbed
from broadcasts.notices import Notice, Notices
from broadcasts.tally import TALLY


@scrubbed
def notify_job(notice_id: str) -> str:
    """Send (or, for a staff card that exists, edit) one message; "gone" when it was erased."""
    ctx = job_context()
    notices = Notices(ctx.services.redis)
    notice = notices.get(notice_id)
    if notice is None:
        return "gone"
    try:
        outcome = eventloop.run(_notify(ctx, notice))
    except Exception:
        job = get_current_job()
        if job is None or not job.retries_left:
            notices.drop(notice)  # the last attempt: it will never be sent
        raise
    notices.drop(notice)
    return outcome


async def _notify(ctx: JobContext, notice: Notice) -> str:
    senders = ctx.senders()
    outcome = "error"
    try:
        result = await senders.get(notice.to.platform).notify(notice.to, notice.reply)
        outcome = result.split(";")[0]
        return result
    finally:
        TALLY.add(f"sends:notice:{notice.to.platform}:{outcome}")
        await senders.aclose()
