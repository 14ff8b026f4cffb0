"""Staff are named on cards and in exports by the names config.yaml gives them, not by
their addresses (`tg:700000002`)."""

from __future__ import annotations

import time

from bot.desk import report
from bot.desk.staff import Desk
from bot.dialogs import build_conversations
from bot.platform.actions import TicketAction
from bot.platform.addresses import Address
from bot.platform.config import Config, Staff, StaffMember, load_config
from bot.platform.store import Redis
from handlers.tickets_cli import staff_name
from handlers.wiring import build_services
from tests.support.admins import STAFF, RecordingDispatch, with_admins
from tests.support.aspirasi import file_aspirasi
from tests.support.constants import ROOT
from tests.support.dialog import Resident


def named_staff(config: Config) -> Config:
    """The test roles, with the staff member named."""
    roomy = with_admins(config)
    staff = Staff(
        group=roomy.roles.staff.group,
        members=[StaffMember(id=f"tg:{STAFF}", name="Pak Rahmat")],
    )
    return roomy.model_copy(update={"roles": roomy.roles.model_copy(update={"staff": staff})})


def test_a_claimed_card_and_the_export_name_the_staff_member(config: Config, redis: Redis) -> None:
    """Pak Rahmat claims a ticket: the card says so by name, and so does the export."""
    services = build_services(named_staff(config), redis, dispatch=RecordingDispatch())
    me = Resident(build_conversations(services), chat_id=7781001, language_code="en")
    ticket_id = file_aspirasi(me, "Lampu jalan di RT 04 mati sejak seminggu.")
    replies = Desk(services).act(Address.telegram(STAFF), TicketAction("claim", ticket_id), 5.0)
    card = "\n".join(reply.text for reply in replies)
    assert "Pak Rahmat" in card
    assert f"tg:{STAFF}" not in card
    ticket = services.tickets.get(ticket_id)
    assert ticket is not None
    rows = report.rows(
        services.tickets,
        services.regions,
        [ticket],
        "Asia/Jakarta",
        False,
        time.time(),
        staff_name(services),
    )
    assert rows[0].values["handled_by"] == "Pak Rahmat"


def test_staff_members_may_be_plain_addresses_or_named() -> None:
    """config.yaml takes `tg:…` strings (as before) and `{id, name}` entries side by side."""
    shipped = load_config(ROOT / "config.yaml")
    data = shipped.model_dump(mode="json")
    data["roles"]["staff"]["members"] = ["tg:111", {"id": "tg:222", "name": "Bu Ani"}]
    staff = Config.model_validate(data).roles.staff
    assert staff.ids == ["tg:111", "tg:222"]
    assert [m.name for m in staff.members] == [None, "Bu Ani"]
