"""`kimbot tickets list|claim|answer|forward|reject|verdict`: the desk from the terminal, for
a WhatsApp-only deployment (no staff group): the same actions as the group's card buttons,
the same notices to the resident."""

from __future__ import annotations

from pathlib import Path

import pytest
from rq import Queue

from bot.desk.staff import Desk
from bot.platform.addresses import Address
from bot.platform.clock import FixedClock
from bot.platform.config import Config, Roles, Staff
from bot.platform.store import Redis
from bot.services import Services
from broadcasts.queues import INTERACTIVE_QUEUE
from handlers import cli
from handlers.tickets_cli import ActionError, act, open_cards
from handlers.wiring import build_services
from tests.support.admins import RecordingDispatch
from tests.support.constants import BUDI_BSUID, SITI_BSUID
from tests.support.processes import write_config
from tests.support.whatsapp import with_whatsapp

STAFF = f"wa:{SITI_BSUID}"
RESIDENT = Address("wa", BUDI_BSUID)
COMPLAINT = "Lampu jalan di depan SD Bagendung mati sejak dua minggu."


def whatsapp_only(config: Config) -> Config:
    """WhatsApp enabled; one staff member, on WhatsApp; no staff group."""
    roles = Roles(staff=Staff(members=[STAFF]))
    return with_whatsapp(config).model_copy(update={"roles": roles})


@pytest.fixture
def desk(config: Config, redis: Redis, clock: FixedClock, dispatch: RecordingDispatch) -> Services:
    """The core of a WhatsApp-only deployment, recording what it tells people."""
    return build_services(whatsapp_only(config), redis, clock, dispatch)


def told(dispatch: RecordingDispatch) -> list[str]:
    """What the resident was told, in order."""
    return [reply.text for to, reply in dispatch.notified if to == RESIDENT]


def test_claim_answer_from_the_terminal(desk: Services, dispatch: RecordingDispatch) -> None:
    """Claim, then answer: the resident hears both; the card (no identity) lists it while
    open; a second claim, a closed ticket and someone not on the staff change nothing."""
    ticket = Desk(desk).file(
        RESIDENT, "pengaduan", desk.clock.now(), text=COMPLAINT, topic="infrastruktur"
    )
    assert dispatch.notified == []  # no staff group to post a card to
    cards = open_cards(desk)
    assert ticket.id in cards
    assert COMPLAINT in cards
    assert BUDI_BSUID not in cards
    assert act(desk, STAFF, "claim", ticket.id, []) == ["Tiket ini sekarang Anda tangani."]
    with pytest.raises(ActionError, match="Petugas lain sudah menanganinya"):
        act(desk, STAFF, "claim", ticket.id, [])
    said = act(desk, STAFF, "answer", ticket.id, ["Lampu", "diganti", "Kamis."])
    assert said == ["Jawaban terkirim."]
    assert told(dispatch) == [
        f"Laporan Anda {ticket.id} sedang ditangani oleh petugas kami.",
        f"Jawaban atas laporan Anda {ticket.id}:\n\nLampu diganti Kamis.",
    ]
    assert desk.tickets.get(ticket.id).state == "dijawab"  # type: ignore[union-attr]
    with pytest.raises(ActionError, match="sudah tidak terbuka"):
        act(desk, STAFF, "answer", ticket.id, ["lagi"])
    other = Desk(desk).file(RESIDENT, "aspirasi", desk.clock.now(), text=COMPLAINT)
    with pytest.raises(ActionError, match="Hanya petugas layanan"):
        act(desk, f"wa:{BUDI_BSUID}", "claim", other.id, [])
    assert open_cards(desk).count("🗂") == 1


def test_forward_reject_and_verdict(desk: Services, dispatch: RecordingDispatch) -> None:
    """Forward with a note, reject with a reason, a hoax verdict with its source link; a
    wrong reason, verdict or address is refused before anything changes."""
    file, now = Desk(desk).file, desk.clock.now()
    forwarded = file(RESIDENT, "pengaduan", now, text=COMPLAINT)
    assert act(desk, STAFF, "forward", forwarded.id, ["LAPOR!", "#123456"]) == ["Diteruskan."]
    rejected = file(RESIDENT, "aspirasi", now, text=COMPLAINT)
    for wrong in (["kasar"], []):
        with pytest.raises(ActionError, match="spam, scope, duplicate"):
            act(desk, STAFF, "reject", rejected.id, wrong)
    with pytest.raises(ActionError, match="--as"):
        act(desk, "siti", "reject", rejected.id, ["spam"])
    assert act(desk, STAFF, "reject", rejected.id, ["duplicate"]) == ["Ditolak."]
    hoax = file(RESIDENT, "hoaks", now, text="KTP diblokir besok kalau tidak daftar ulang.")
    with pytest.raises(ActionError, match="hoaks, disinformasi"):
        act(desk, STAFF, "verdict", hoax.id, ["palsu", "Tidak benar."])
    link = "https://turnbackhoax.id/ktp"
    said = act(desk, STAFF, "verdict", hoax.id, ["hoaks", "Tidak ada pemblokiran KTP.", link])
    assert said == ["Putusan dikirim ke 1 warga."]
    assert desk.tickets.get(hoax.id).sources == link  # type: ignore[union-attr]
    texts = told(dispatch)
    assert f"Laporan Anda {forwarded.id} telah diteruskan: LAPOR! #123456" in texts
    assert texts[-1].startswith(f"Hasil cek fakta {hoax.id}: [HOAKS]")


def test_kimbot_tickets_commands(
    config: Config,
    desk: Services,
    redis_url: str,
    redis: Redis,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Through `kimbot`: list shows the card, answer prints the desk's word and queues the
    resident's notice for the workers, a refused action exits 2 with the reason."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    ticket = Desk(desk).file(RESIDENT, "pengaduan", desk.clock.now(), text=COMPLAINT)
    cfg = write_config(config, tmp_path / "config.yaml", **_sections(desk.config))
    assert cli.main(["tickets", "list", "--config", str(cfg)]) == 0
    assert ticket.id in capsys.readouterr().out
    answer = ["tickets", "answer", ticket.id, "Sudah", "diperbaiki.", "--as", STAFF]
    assert cli.main([*answer, "--config", str(cfg)]) == 0
    assert capsys.readouterr().out == "Jawaban terkirim.\n"
    assert Queue(INTERACTIVE_QUEUE, connection=redis).count == 1
    assert cli.main([*answer, "--config", str(cfg)]) == cli.EXIT_CONFIG
    assert "sudah tidak terbuka" in capsys.readouterr().err


def _sections(config: Config) -> dict[str, object]:
    """The roles and whatsapp sections of `config`, as config.yaml holds them."""
    data = config.model_dump(mode="json")
    return {"roles": data["roles"], "whatsapp": data["whatsapp"]}
