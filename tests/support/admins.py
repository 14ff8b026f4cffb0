"""A Cilegon config with admins of every kind, and a Dispatch that records instead of queueing."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.platform.addresses import Address
from bot.platform.config import Admin, Config, Roles, Staff
from bot.platform.messages import Reply
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
    notified: list[tuple[Address, Reply]] = field(default_factory=list)
    about: list[Address | None] = field(default_factory=list)

    def submit(self, announcement_id: str, at: float | None = None) -> None:
        """Record a submission."""
        self.submitted.append(announcement_id)

    def notify(self, to: Address, reply: Reply, about: Address | None = None) -> None:
        """Record a notification (and whom it is about, in `about`)."""
        self.notified.append((to, reply))
        self.about.append(about or (to if to.is_private else None))
