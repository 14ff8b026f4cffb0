"""The WhatsApp Cloud API stand-in, driven by a real `pywa_async.WhatsApp` client.

The client is configured like handlers/whatsapp/send.py configures it: pywa's own
session, its base URL's host swapped for `<emulator>/graph` (KIMBOT_WA_API_URL).
"""

from __future__ import annotations

from typing import Any

import pytest
from pywa_async.errors import (
    BSUIDRecipientNotSupported,
    ExpiredAccessToken,
    InvalidParameter,
    MessageUndeliverable,
    RateLimitHit,
    ReEngagementMessage,
    TemplateNotExists,
    TemplateParamCountMismatch,
    TooManyMessages,
    WhatsAppError,
)
from pywa_async.types.callback import Button, Section, SectionList, SectionRow, URLButton
from pywa_async.types.templates import BodyText, TemplateLanguage

from emulator import make_png
from handlers.whatsapp.render import OutButtons, OutTemplate, OutText, ReplyButton
from handlers.whatsapp.send import CloudAPI, Recipient
from tests.support.constants import SITI_BSUID, SITI_PHONE, WA_PHONE_NUMBER_ID
from tests.support.stand_in import Stand, add_siti, kim_settings, pywa_client


async def test_pywa_sends_every_kind_and_the_conversation_shows_it(stand: Stand) -> None:
    """Text, reply buttons, list, CTA URL, template, image (uploaded) and document by link."""
    await add_siti(stand.sim)
    wa = stand.wa
    text = await wa.send_message(to=SITI_BSUID, text="Halo Siti")
    assert text.id.startswith("wamid.")
    await wa.send_message(
        to=SITI_PHONE,
        text="Setuju?",
        buttons=[Button("Ya", callback_data="n.yes"), Button("Tidak", callback_data="n.no")],
    )
    await wa.send_message(
        to=SITI_PHONE,
        text="Pilih kecamatan:",
        buttons=SectionList(
            button_title="Pilih",
            sections=[
                Section(
                    title="Kecamatan",
                    rows=[
                        SectionRow("Cibeber", callback_data="k.1"),
                        SectionRow("Cilegon", callback_data="k.2", description="Kota"),
                    ],
                )
            ],
        ),
    )
    await wa.send_message(
        to=SITI_PHONE, text="Gabung:", buttons=URLButton("Buka", "https://t.me/+x")
    )
    template = await wa.send_template(
        to=SITI_PHONE,
        name="pengumuman",
        language=TemplateLanguage.INDONESIAN,
        # pywa documents positional parameters; its stubs type them as BodyText
        params=[BodyText.params("Kerja bakti", "Minggu")],  # type: ignore[arg-type]
    )
    assert template.id.startswith("wamid.")
    image = await wa.send_image(
        to=SITI_BSUID, image=make_png(), caption="Poster", mime_type="image/png"
    )
    assert image.uploaded_media is not None
    await wa.send_document(
        to=SITI_PHONE, document="https://kim.example.id/surat.pdf", filename="surat.pdf"
    )

    messages = await stand.sim.wa_messages(SITI_BSUID)
    assert [m["direction"] for m in messages] == ["in"] + ["out"] * 7
    _, plain, buttons, listed, link, filled, photo, document = messages
    assert plain["text"] == "Halo Siti"
    assert plain["id"] == text.id
    assert buttons["buttons"] == [{"id": "n.yes", "title": "Ya"}, {"id": "n.no", "title": "Tidak"}]
    assert listed["list"]["button"] == "Pilih"
    assert listed["list"]["sections"][0]["rows"][1] == {
        "id": "k.2",
        "title": "Cilegon",
        "description": "Kota",
    }
    assert link["url_button"] == {"display_text": "Buka", "url": "https://t.me/+x"}
    assert filled["template"] == {
        "name": "pengumuman",
        "language": "id",
        "params": ["Kerja bakti", "Minggu"],
    }
    assert photo["media"]["id"] == image.uploaded_media.id
    assert photo["text"] == "Poster"
    assert document["media"]["link"] == "https://kim.example.id/surat.pdf"

    url = await wa.get_media_url(image.uploaded_media.id)
    assert await wa.get_media_bytes(url.url) == make_png()
    deliveries = await stand.sim.call("GET", "/sim/wa/deliveries")
    assert deliveries == {"total": 7, "recipients": {SITI_BSUID: 7}}
    log = await stand.sim.call("GET", "/sim/wa/log", query={"endpoint": "messages"})
    assert [e["type"] for e in log["entries"]] == [
        "text",
        "interactive",
        "interactive",
        "interactive",
        "template",
        "image",
        "document",
    ]


async def test_kim_bots_sender_talks_to_the_stand_in_through_its_api_url(stand: Stand) -> None:
    """KIMBOT_WA_API_URL=<emulator>/graph: KIM Bot's own CloudAPI delivers and meets 131047."""
    await add_siti(stand.sim)
    sender = CloudAPI.connect(
        kim_settings(stand.emu.base_url), WA_PHONE_NUMBER_ID, retry_delays=(0.0,)
    )
    try:
        buttons = OutButtons("Setuju?", (ReplyButton("y", "Ya"), ReplyButton("n", "Tidak")))
        delivery = await sender.send(Recipient(SITI_BSUID, SITI_PHONE), [OutText("Halo"), buttons])
        assert (delivery.outcome, delivery.sent) == ("sent", 2)
        await stand.sim.wa_window(SITI_BSUID, open=False)
        late = await sender.send(Recipient(SITI_BSUID, SITI_PHONE), [OutText("Masih di sana?")])
        assert (late.outcome, late.error_code) == ("outside_window", 131047)
    finally:
        await sender.aclose()
    texts = [m["text"] for m in await stand.sim.wa_messages(SITI_BSUID, from_business=1)]
    assert texts == ["Halo", "Setuju?"]


async def test_bad_token_is_a_401_oauth_exception(stand: Stand) -> None:
    """An unknown token answers 401 with Meta's OAuthException body."""
    await add_siti(stand.sim)
    wa, session = pywa_client(stand.emu.base_url, token="not-the-token")
    try:
        with pytest.raises(ExpiredAccessToken) as caught:
            await wa.send_message(to=SITI_PHONE, text="Halo")
    finally:
        await session.aclose()
    assert caught.value.status_code == 401
    error = caught.value.raw
    assert error["type"] == "OAuthException"
    assert error["code"] == 190
    assert error["fbtrace_id"]


async def test_meta_error_shape_and_validation(stand: Stand) -> None:
    """Too long texts, too many buttons, long titles and rows fail like Meta, nothing stored."""
    await add_siti(stand.sim)
    wa = stand.wa
    session = stand.wa.api._session
    raw = await session.post(
        f"/{WA_PHONE_NUMBER_ID}/messages",
        json={"messaging_product": "whatsapp", "to": SITI_PHONE, "type": "text", "text": {}},
    )
    assert raw.status_code == 400
    error = raw.json()["error"]
    assert set(error) == {"message", "type", "code", "error_data", "fbtrace_id"}
    assert error["code"] == 131008
    assert "text['body']" in error["error_data"]["details"]

    with pytest.raises(WhatsAppError) as too_long:
        await wa.send_message(to=SITI_PHONE, text="x" * 4097)
    assert too_long.value.code == 100
    assert "4096" in str(too_long.value.details)
    four = [Button(f"B{i}", callback_data=f"b{i}") for i in range(4)]
    with pytest.raises(InvalidParameter):
        await wa.send_message(to=SITI_PHONE, text="Pilih", buttons=four)
    with pytest.raises(InvalidParameter) as title:
        await wa.send_message(to=SITI_PHONE, text="Pilih", buttons=[Button("x" * 21, "b")])
    assert "Max length: 20" in str(title.value.details)
    rows = [SectionRow(f"Row {i}", callback_data=f"r{i}") for i in range(11)]
    with pytest.raises(InvalidParameter) as many:
        await wa.send_message(
            to=SITI_PHONE, text="Pilih", buttons=SectionList("Pilih", [Section("A", rows)])
        )
    assert "10" in str(many.value.details)
    with pytest.raises(InvalidParameter):
        await wa.send_message(
            to=SITI_PHONE,
            text="Pilih",
            buttons=SectionList("Pilih", [Section("A", [SectionRow("y" * 25, "r")])]),
        )
    long_description = SectionRow("Row", "r", description="d" * 73)
    with pytest.raises(InvalidParameter):
        await wa.send_message(
            to=SITI_PHONE,
            text="Pilih",
            buttons=SectionList("Pilih", [Section("A", [long_description])]),
        )
    with pytest.raises(WhatsAppError) as body:
        await wa.send_message(to=SITI_PHONE, text="b" * 1025, buttons=[Button("Ya", "y")])
    assert body.value.code == 100
    assert "1024" in str(body.value.details)
    assert len(await stand.sim.wa_messages(SITI_BSUID, from_business=1)) == 0


async def test_window_templates_and_recipients(stand: Stand) -> None:
    """131047 outside the window (templates still go), 132001, 132000, 131026, 131062."""
    await add_siti(stand.sim, write=False)
    wa = stand.wa
    with pytest.raises(ReEngagementMessage) as outside:
        await wa.send_message(to=SITI_PHONE, text="Halo")
    assert outside.value.code == 131047
    assert outside.value.raw["error_subcode"] == 2494010
    await wa.send_template(to=SITI_PHONE, name="sapaan", language=TemplateLanguage.ENGLISH_US)
    with pytest.raises(TemplateNotExists):
        await wa.send_template(to=SITI_PHONE, name="sapaan", language=TemplateLanguage.INDONESIAN)
    with pytest.raises(TemplateParamCountMismatch):
        await wa.send_template(
            to=SITI_PHONE,
            name="pengumuman",
            language=TemplateLanguage.INDONESIAN,
            params=[BodyText.params("satu")],  # type: ignore[arg-type]
        )
    with pytest.raises(MessageUndeliverable):
        await wa.send_template(
            to="6289999999999", name="sapaan", language=TemplateLanguage.ENGLISH_US
        )

    await stand.sim.wa_send(SITI_PHONE, "halo")
    await wa.send_message(to=SITI_PHONE, text="Halo, ada yang bisa dibantu?")
    await stand.sim.wa_window(SITI_PHONE, age_hours=23.9)
    await wa.send_message(to=SITI_PHONE, text="Masih di dalam jendela")
    await stand.sim.wa_window(SITI_PHONE, age_hours=24.1)
    with pytest.raises(ReEngagementMessage):
        await wa.send_message(to=SITI_PHONE, text="Terlambat")

    await stand.sim.wa_config(bsuid_recipients=False)
    await stand.sim.wa_window(SITI_PHONE)
    with pytest.raises(BSUIDRecipientNotSupported):
        await wa.send_message(to=SITI_BSUID, text="Halo")
    await wa.send_message(to=SITI_PHONE, text="Lewat nomor")


async def test_throughput_and_pair_limits(stand: Stand) -> None:
    """130429 past the number's throughput, 131056 past the per-person limit; configurable."""
    await add_siti(stand.sim)
    other = await stand.sim.wa_user("Budi", wa_id="6281322223333")
    await stand.sim.wa_send(other["key"], "halo")
    await stand.sim.wa_config(throughput_per_second=2)
    await stand.wa.send_message(to=SITI_PHONE, text="1")
    await stand.wa.send_message(to="6281322223333", text="2")
    with pytest.raises(RateLimitHit) as throughput:
        await stand.wa.send_message(to=SITI_PHONE, text="3")
    assert throughput.value.raw["error_subcode"] == 2494055

    await stand.sim.wa_config(throughput_per_second=1000, pair_limit=3, pair_window=30)
    for n in range(3):
        await stand.wa.send_message(to=SITI_PHONE, text=f"pesan {n}")
    with pytest.raises(TooManyMessages):
        await stand.wa.send_message(to=SITI_PHONE, text="satu lagi")
    await stand.wa.send_message(to="6281322223333", text="orang lain masih bisa")
    codes = await stand.sim.call("GET", "/sim/wa/log", query={"status": 400})
    assert [e["code"] for e in codes["entries"]] == [130429, 131056]


async def test_fault_injection_and_storm(stand: Stand) -> None:
    """The next N calls answer an injected code; a storm answers 130429 for a while."""
    await add_siti(stand.sim)
    await stand.sim.wa_fault(131056, count=2)
    for _ in range(2):
        with pytest.raises(TooManyMessages):
            await stand.wa.send_message(to=SITI_PHONE, text="x")
    await stand.wa.send_message(to=SITI_PHONE, text="sudah normal")
    await stand.sim.wa_fault(2, status=503)
    with pytest.raises(WhatsAppError) as server:
        await stand.wa.send_message(to=SITI_PHONE, text="x")
    assert server.value.status_code == 503
    await stand.sim.call("POST", "/sim/wa/faults/storm", {"seconds": 30})
    with pytest.raises(RateLimitHit):
        await stand.wa.send_message(to=SITI_PHONE, text="x")
    faults = await stand.sim.call("DELETE", "/sim/wa/faults")
    assert faults == {"rules": [], "storm": None}
    await stand.wa.send_message(to=SITI_PHONE, text="badai reda")
    texts = [m["text"] for m in await stand.sim.wa_messages(SITI_PHONE, from_business=1)]
    assert texts == ["sudah normal", "badai reda"]


def _template(*params: str) -> dict[str, Any]:
    """A raw `pengumuman` (two body parameters) template message to Siti."""
    return {
        "messaging_product": "whatsapp",
        "to": SITI_PHONE,
        "type": "template",
        "template": {
            "name": "pengumuman",
            "language": {"code": "id"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
            ],
        },
    }


def _buttons(button_id: str) -> dict[str, Any]:
    """A raw reply-button message with one button of that id."""
    return {
        "messaging_product": "whatsapp",
        "to": SITI_PHONE,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Pilih"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": button_id, "title": "Ya"}}]},
        },
    }


def _row(row_id: str) -> dict[str, Any]:
    """A raw list message with one row of that id."""
    return {
        "messaging_product": "whatsapp",
        "to": SITI_PHONE,
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Pilih"},
            "action": {
                "button": "Pilih",
                "sections": [{"rows": [{"id": row_id, "title": "Cilegon"}]}],
            },
        },
    }


@pytest.mark.parametrize(
    ("body", "code", "details"),
    [
        (_template("Jalan\nditutup", "x"), 132018, "new-line/tab"),
        (_template("Jalan\tditutup", "x"), 132018, "new-line/tab"),
        (_template("Jalan     ditutup", "x"), 132018, "4 consecutive spaces"),
        (_template("a" * 1025, "x"), 132005, "1025"),
        (_buttons("ya "), 131009, "leading or trailing spaces"),
        (_buttons("y" * 257), 131009, "256"),
        (_row(" kel.1"), 131009, "leading or trailing spaces"),
        (_row("r" * 201), 131009, "200"),
    ],
)
async def test_what_meta_refuses_in_templates_and_ids(
    stand: Stand, body: dict[str, Any], code: int, details: str
) -> None:
    """Template parameters with newlines, tabs, 5+ spaces or over 1024 characters, and button
    or row ids with spaces at their ends or over their limits, fail with Meta's error shape;
    nothing reaches the resident."""
    await add_siti(stand.sim)
    session = stand.wa.api._session
    raw = await session.post(f"/{WA_PHONE_NUMBER_ID}/messages", json=body)
    assert raw.status_code == 400
    error = raw.json()["error"]
    assert set(error) == {"message", "type", "code", "error_data", "fbtrace_id"}
    assert error["code"] == code
    assert error["message"].startswith(f"(#{code}) ")
    assert details in error["error_data"]["details"]
    assert await stand.sim.wa_messages(SITI_BSUID, from_business=1) == []


async def test_four_spaces_in_a_parameter_are_still_accepted(stand: Stand) -> None:
    """Meta's rule is more than four consecutive spaces: four go through."""
    await add_siti(stand.sim)
    session = stand.wa.api._session
    raw = await session.post(f"/{WA_PHONE_NUMBER_ID}/messages", json=_template("a    b", "c"))
    assert raw.status_code == 200


async def test_kim_bots_sender_flattens_template_parameters(stand: Stand) -> None:
    """The bot's sender sends what Meta accepts: lines joined, tabs and runs of spaces one
    space, long text cut with "…"."""
    await add_siti(stand.sim, write=False)
    sender = CloudAPI.connect(
        kim_settings(stand.emu.base_url), WA_PHONE_NUMBER_ID, retry_delays=(0.0,)
    )
    messy = OutTemplate("pengumuman", "id", ("Jalan\tditutup\n\nbesok     pagi", "b" * 2000))
    try:
        delivery = await sender.send(Recipient(SITI_BSUID, SITI_PHONE), [messy])
    finally:
        await sender.aclose()
    assert (delivery.outcome, delivery.sent) == ("sent", 1)
    [shown] = await stand.sim.wa_messages(SITI_BSUID, from_business=1)
    assert "Jalan ditutup · besok pagi" in shown["text"]
    assert "b" * 899 + "…" in shown["text"]  # at most 900 characters
    assert "b" * 900 not in shown["text"]
