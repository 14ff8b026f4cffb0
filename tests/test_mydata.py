"""/dataku: what we hold in words, dates in the deployment's zone, and all of it as a file."""

from __future__ import annotations

import json
import re

import aiohttp
import pytest

from bot.desk.staff import Desk
from bot.dialogs import Conversations
from bot.platform.messages import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    AttachmentError,
    Reply,
    reply_from_dict,
    reply_to_dict,
)
from bot.services import Services
from handlers.telegram.render import send_reply
from tests.support.constants import BOT_SPEC
from tests.support.dialog import Resident, verify_dialog
from tests.support.dialogues import SUBSCRIBE
from tests.support.stand_in import running_emulator

EPOCH = re.compile(r"\b1[0-9]{9}\b")  # a Unix time in seconds, as stored


def my_data(conversations: Conversations, services: Services, lang: str) -> Reply:
    """A resident of Bagendung with a community and a report asks for their data."""
    me = Resident(conversations, chat_id=8800 + len(lang), language_code=lang)
    verify_dialog(me, SUBSCRIBE[lang])
    me.send("/komunitas")
    me.press("Sepeda")
    me.press("Selesai" if lang == "id" else "Done")
    Desk(services).file(me.address, "aspirasi", services.clock.now(), text="Jalan rusak.")
    replies = me.send("/dataku" if lang == "id" else "/mydata")
    assert len(replies) == 1
    return replies[0]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "id",
            [
                "Data Anda",
                "Bahasa: Bahasa Indonesia",
                "Kelurahan Bagendung, Kecamatan Cilegon",
                "Komunitas Sepeda Onthel Cilegon",
                "Senin, 21 September 2026 21.13 WIB",
                "Laporan Anda: 1",
                "ASP-2609-0001 · Aspirasi · diterima · ",
                "data-kimbot.json",
            ],
        ),
        (
            "en",
            [
                "Your data",
                "Language: English",
                "Kelurahan Bagendung, Kecamatan Cilegon",
                "Komunitas Sepeda Onthel Cilegon",
                "Monday, 21 September 2026 21:13 WIB",
                "Your reports: 1",
                "ASP-2609-0001 · Aspiration · received · ",
                "data-kimbot.json",
            ],
        ),
    ],
)
def test_my_data_reads_as_text_with_the_stored_json_attached(
    conversations: Conversations, services: Services, lang: str, words: list[str]
) -> None:
    """Readable in the resident's language with zone-labelled dates, never raw JSON or an
    epoch number; the attached JSON parses and holds exactly what is stored."""
    reply = my_data(conversations, services, lang)
    shown = f"{reply.title}\n{reply.text}"
    for expected in words:
        assert expected in shown
    assert "{" not in shown
    assert "}" not in shown
    assert not EPOCH.search(shown)
    assert reply.attachment is not None
    assert (reply.attachment.name, reply.attachment.mime_type) == (
        "data-kimbot.json",
        "application/json",
    )
    held = json.loads(reply.attachment.data.decode("utf-8"))
    stored = services.privacy.export(Resident(conversations, chat_id=8800 + len(lang)).address)
    assert held == json.loads(json.dumps(stored, default=str))
    assert held["tickets"]["tickets"]["ASP-2609-0001"]["text"] == "Jalan rusak."
    assert "consent_at" in held["resident"]


def test_attachments_are_bounded_and_survive_the_queue() -> None:
    """A queued reply keeps its file (base64 in JSON); too large or a path is refused."""
    reply = Reply(text="Data", attachment=Attachment("data-kimbot.json", "application/json", b"{}"))
    queued = json.loads(json.dumps(reply_to_dict(reply)))
    assert reply_from_dict(queued) == reply
    with pytest.raises(AttachmentError, match="at most"):
        Attachment("big.json", "application/json", b"x" * (MAX_ATTACHMENT_BYTES + 1))
    for name in ("../etc/passwd", "", "a/b.json", ".hidden"):
        with pytest.raises(AttachmentError, match="plain file name"):
            Attachment(name, "application/json", b"{}")


async def test_my_data_file_arrives_on_telegram(
    conversations: Conversations, services: Services
) -> None:
    """Through the Telegram renderer to the emulator: a document named data-kimbot.json
    (multipart upload) with the stored JSON, then the text; the page can download it."""
    async with running_emulator(tokens=[BOT_SPEC]) as (emu, sim, bot):
        user = await sim.create_user("Siti", language_code="id")
        await sim.start(user["id"])
        me = Resident(conversations, chat_id=user["id"])
        verify_dialog(me, SUBSCRIBE["id"])
        answer = me.send("/dataku")[0]
        await send_reply(bot, user["id"], answer)
        messages = await sim.messages(user["id"], from_bot=1)
        document, text = messages[-2], messages[-1]
        assert document["kind"] == "document"
        assert document["media"]["file_name"] == "data-kimbot.json"
        assert "Data Anda" in text["text"]
        url = emu.base_url + document["media"]["url"]
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            assert response.status == 200
            assert "data-kimbot.json" in response.headers["Content-Disposition"]
            held = json.loads(await response.read())
        assert held == json.loads(answer.attachment.data)  # type: ignore[union-attr]
        assert held["resident"]["village"] == "36.72.02.1001"
