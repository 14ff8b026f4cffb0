"""Sending through pywa_async against the Graph API stand-in: payloads, retries, errors."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from handlers.whatsapp.render import (
    ListRow,
    OutButtons,
    Outgoing,
    OutLink,
    OutList,
    OutMedia,
    OutText,
    ReplyButton,
)
from handlers.whatsapp.send import CloudAPI, Recipient, routable
from tests.support.constants import (
    SITI_BSUID,
    SITI_PHONE,
    WA_PHONE_NUMBER_ID,
)
from tests.support.graph import GraphAPI
from tests.support.whatsapp import SETTINGS

SITI = Recipient(SITI_BSUID, SITI_PHONE)


@pytest.fixture
async def sender(graph: GraphAPI) -> AsyncIterator[CloudAPI]:
    """A sender on the stand-in, talking to Meta's default URL, retrying without waiting."""
    settings = replace(SETTINGS, api_url=None)
    session = httpx.AsyncClient(transport=graph.transport())
    s = CloudAPI.connect(settings, WA_PHONE_NUMBER_ID, session, retry_delays=(0.0, 0.0))
    yield s
    await s.aclose()


async def test_each_message_kind_is_the_cloud_api_json(sender: CloudAPI, graph: GraphAPI) -> None:
    """Text, reply buttons, list, CTA URL and media, as the Cloud API documents them."""
    messages: list[Outgoing] = [
        OutText("Halo"),
        OutButtons("Setuju?", (ReplyButton("n.yes", "✅ Ya"), ReplyButton("n.no", "✖ Tidak"))),
        OutList(
            "Pilih:",
            "Pilih",
            (ListRow("n.a", "Cibeber"), ListRow("n.b", "Cilegon…", "Cilegon Kota")),
        ),
        OutLink("Gabung:", "Buka KIM", "https://t.me/+bagendung"),
        OutMedia("photo", "1479537139650973"),
        OutMedia("document", "1003383421387256"),
        OutMedia("video", "5501"),
    ]
    delivery = await sender.send(SITI, messages)
    assert (delivery.outcome, delivery.sent) == ("sent", 7)
    bodies = [s.body for s in graph.sent]
    assert all(
        s.url == f"https://graph.facebook.com/v26.0/{WA_PHONE_NUMBER_ID}/messages"
        for s in graph.sent
    )
    assert all(
        b["recipient"] == SITI_BSUID and b["messaging_product"] == "whatsapp" for b in bodies
    )
    assert bodies[0]["text"] == {"body": "Halo", "preview_url": False}
    assert bodies[1]["interactive"] == {
        "type": "button",
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "n.yes", "title": "✅ Ya"}},
                {"type": "reply", "reply": {"id": "n.no", "title": "✖ Tidak"}},
            ]
        },
        "body": {"text": "Setuju?"},
    }
    assert bodies[2]["interactive"] == {
        "type": "list",
        "action": {
            "button": "Pilih",
            "sections": [
                {
                    "title": "Pilih",
                    "rows": [
                        {"id": "n.a", "title": "Cibeber"},
                        {"id": "n.b", "title": "Cilegon…", "description": "Cilegon Kota"},
                    ],
                }
            ],
        },
        "body": {"text": "Pilih:"},
    }
    assert bodies[3]["interactive"]["type"] == "cta_url"
    assert bodies[3]["interactive"]["action"] == {
        "name": "cta_url",
        "parameters": {"display_text": "Buka KIM", "url": "https://t.me/+bagendung"},
    }
    assert bodies[4]["image"] == {"id": "1479537139650973"}
    assert bodies[5]["document"] == {"id": "1003383421387256"}
    assert bodies[6]["video"] == {"id": "5501"}


@pytest.mark.parametrize(
    ("failures", "messages", "outcome", "attempts"),
    [
        pytest.param(
            [(400, 130429), (400, 131056)], 1, ("sent", 1, None), 3, id="rate limits, then sent"
        ),
        pytest.param([(400, 130429)] * 3, 2, ("failed", 0, 130429), 3, id="rate limits thrice"),
        pytest.param([(400, 131047)], 2, ("outside_window", 0, 131047), 1, id="outside the window"),
    ],
)
async def test_rate_limits_are_retried_and_the_window_stops_the_reply(
    sender: CloudAPI,
    graph: GraphAPI,
    failures: list[tuple[int, int]],
    messages: int,
    outcome: tuple[str, int, int | None],
    attempts: int,
) -> None:
    """130429/131056 are retried a bounded number of times (then sent, or failed after three);
    131047 is not retried and the rest of the reply is not attempted: outside_window."""
    graph.failures = failures
    delivery = await sender.send(SITI, [OutText(f"pesan {n}") for n in range(messages)])
    assert (delivery.outcome, delivery.sent, delivery.error_code) == outcome
    assert len(graph.sent) == attempts


async def test_bsuid_not_supported_falls_back_to_the_phone_number(
    sender: CloudAPI, graph: GraphAPI
) -> None:
    """131062 with a known phone: this and the following messages go by phone."""
    graph.failures = [(400, 131062)]
    delivery = await sender.send(SITI, [OutText("a"), OutText("b")])
    assert (delivery.outcome, delivery.sent) == ("sent", 2)
    assert [s.recipient for s in graph.sent] == [SITI_BSUID, SITI_PHONE, SITI_PHONE]
    assert graph.sent[1].body["to"] == SITI_PHONE
    graph.failures = [(400, 131062)]
    without_phone = await sender.send(Recipient(SITI_BSUID), [OutText("c")])
    assert (without_phone.outcome, without_phone.error_code) == ("failed", 131062)


async def test_other_errors_and_network_failures_stop_the_reply(
    sender: CloudAPI, graph: GraphAPI
) -> None:
    """An invalid parameter or a refused connection: logged, failed, the rest not tried."""
    graph.failures = [(400, 131009)]
    delivery = await sender.send(SITI, [OutText("a"), OutText("b")])
    assert (delivery.outcome, delivery.error_code, len(graph.sent)) == ("failed", 131009, 1)
    graph.network_failures = 1
    delivery = await sender.send(SITI, [OutText("c")])
    assert (delivery.outcome, delivery.error_code) == ("failed", None)


@pytest.mark.parametrize("chat_id", ["abc", "group-Y2FwaV9ncm91", "id.123", ""])
async def test_ids_pywa_would_take_for_groups_are_refused(
    sender: CloudAPI, graph: GraphAPI, chat_id: str
) -> None:
    """pywa sends anything that is not a BSUID or digits to a group: never attempted."""
    assert not routable(chat_id)
    delivery = await sender.send(Recipient(chat_id), [OutText("x")])
    assert delivery.outcome == "unroutable"
    assert graph.sent == []


def test_routable_ids() -> None:
    """BSUIDs, parent BSUIDs and phone numbers are people."""
    assert all(routable(i) for i in (SITI_BSUID, "US.ENT.11815799212886844830", SITI_PHONE))


async def test_logs_never_show_the_token_the_recipient_or_the_text(
    sender: CloudAPI, graph: GraphAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """Even at DEBUG: pywa's request logging is kept quiet, ours names codes only."""
    graph.failures = [(400, 130429), (400, 131062), (400, 131009)]
    with caplog.at_level(logging.DEBUG):
        await sender.send(SITI, [OutText("rahasia warga")])
        await sender.send(SITI, [OutText("rahasia warga")])
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "131009" in text
    for secret in (
        SETTINGS.token,
        SITI_BSUID,
        SITI_PHONE,
        "rahasia warga",
        SETTINGS.app_secret,
        SETTINGS.verify_token,
    ):
        assert secret not in text


def test_settings_repr_hides_secrets() -> None:
    """repr shows the API URL only."""
    assert repr(SETTINGS) == "WhatsAppSettings(api_url='http://graph.test')"
    assert SITI_BSUID not in repr(SITI)
    assert SITI_PHONE not in repr(SITI)
