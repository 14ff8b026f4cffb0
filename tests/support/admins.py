"""A Cilegon config with admins of every kind, and a Dispatch that records instead of queueing."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.desk.correction_runs import CorrectionRuns, Tell
from bot.desk.corrections import Corrections
from bot.desk.staff import Desk
from bot.platform.addresses import Address
from bot.platform.config import Admin, Config, Roles, Staff
from bot.platform.messages import Reply
from bot.services import Services
from tests.support.constants import BAGENDUNG, CILEGON

SUPERADMIN = 9001
KELURAHAN_ADMIN = 9002  # Bagendung only
KECAMATAN_ADMIN = 9003  # Kecamatan Cilegon
KOMUNITAS_ADMIN = 9004  # the cyclists
STAFF = 9005


def with_admins(config: Config, approval_threshold: int = 5000) -> Config:
    """The shipped config plus roles and a chosen approval threshold."""
    roles = Roles(
        superadmins=[f"tg:{SUPERADMIN}"],
        admins=[
            Admin(id=f"tg:{KELURAHAN_ADMIN}", name="Pengurus KIM Bagendung", scope=[BAGENDUNG]),
            Admin(id=f"tg:{KECAMATAN_ADMIN}", name="FK-KIM Kec. Cilegon", scope=[CILEGON]),
            Admin(id=f"tg:{KOMUNITAS_ADMIN}", name="Onthel", scope=["komunitas:sepeda-onthel"]),
        ],
        staff=Staff(group="tg:-1009999", members=[f"tg:{STAFF}"]),
    )
    broadcasts = config.broadcasts.model_copy(update={"approval_threshold": approval_threshold})
    return config.model_copy(update={"roles": roles, "broadcasts": broadcasts})


@dataclass
class RecordingDispatch:
    """Remembers what the core asked to deliver."""

    submitted: list[str] = field(default_factory=list)
    priority: list[bool] = field(default_factory=list)
    notified: list[tuple[Address, Reply]] = field(default_factory=list)
    about: list[Address | None] = field(default_factory=list)
    fanned: list[str] = field(default_factory=list)

    def submit(
        self, announcement_id: str, at: float | None = None, *, priority: bool = False
    ) -> None:
        """Record a submission (and, in `priority`, whether it went ahead of bulk)."""
        self.submitted.append(announcement_id)
        self.priority.append(priority)

    def notify(self, to: Address, reply: Reply, about: Address | None = None) -> None:
        """Record a notification (and whom it is about, in `about`)."""
        self.notified.append((to, reply))
        self.about.append(about or (to if to.is_private else None))

    def fan_out(self, run_id: str) -> None:
        """Record a correction run (`tell_fan_outs` runs them, as the job would)."""
        self.fanned.append(run_id)


def tell_fan_outs(services: Services, dispatch: RecordingDispatch) -> int:
    """Run the correction runs the core queued, as `broadcasts.desk_jobs.fan_out_job`
    does but through the recording dispatch; returns how many notices went out."""
    runs = CorrectionRuns(Corrections(Desk(services)))
    count = 0

    def tell(run_id: str, tells: list[Tell]) -> int:
        nonlocal count
        fresh = [
            t
            for t, new in zip(
                tells, runs.untold(run_id, [t.mark for t in tells], services.redis), strict=True
            )
            if new
        ]
        pipe = services.redis.pipeline(transaction=True)
        runs.mark(run_id, [t.mark for t in fresh], pipe)
        pipe.execute()
        for t in fresh:
            dispatch.notify(t.to, t.reply)
        count += len(fresh)
        return len(fresh)

    while dispatch.fanned:
        report = runs.run(dispatch.fanned.pop(0), tell)
        group = services.config.roles.staff.group
        if report is not None and group:
            dispatch.notify(Address.parse(group), report)
    return count
