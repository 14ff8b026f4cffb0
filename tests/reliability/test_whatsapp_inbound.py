"""WhatsApp's side of at-least-once, exactly-once inbound: a webhook redelivered to
another replica at the same moment is answered once, and while Redis is down the webhook
answers 503 (Meta delivers again) after an apology that needs no Redis."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path

from bot.platform.config import Config
from bot.platform.store import Redis, connect
from handlers.wiring import build_services
from tests.support.fuzz import nested
from tests.support.graph import GraphAPI
from tests.support.processes import free_port
from tests.support.redis_server import debian_redis
from tests.support.webhooks import BUDI, SITI, Person
from tests.support.whatsapp import whatsapp_world, with_whatsapp

APOLOGY = "layanan kami sedang terganggu"


async def test_a_webhook_reaching_two_replicas_at_once_is_answered_once(
    config: Config, redis: Redis
) -> None:
    """Two channels (two bot processes) on one Redis get the same signed bodies at the same
    moment, message after message: each message is answered once."""
    wa = with_whatsapp(config)
    graph = GraphAPI()
    async with (
        whatsapp_world(build_services(wa, redis), graph) as first,
        whatsapp_world(build_services(wa, redis), graph) as second,
    ):
        second.payloads = first.payloads
        for person in (SITI, BUDI, Person(user_id="ID.990001", phone=None, name="Ani")):
            for text in ("/start", "halo", "/bantuan"):
                payload = first.payloads.text(person, text)
                before = len(graph.sent)
                statuses = await asyncio.gather(first.post(payload), second.post(payload))
                assert [status for status, _ in statuses] == [200, 200]
                answers = graph.sent[before:]
                assert answers, f"{text!r} was not answered"
                assert len({sent.recipient for sent in answers}) == 1
        handled = len(first.incoming) + len(second.incoming)
        assert handled == 9  # each of the nine messages reached the core once


async def test_while_redis_is_down_the_webhook_asks_meta_again_and_apologises_once(
    tmp_path: Path, config: Config
) -> None:
    """Redis stops: a message gets 503 and one apology; Meta's retry while still down gets
    503 and no second apology; once Redis is back the retry gets 200 and the real answer."""
    port = free_port()
    graph = GraphAPI()
    server = ExitStack()
    client = connect(server.enter_context(debian_redis(tmp_path, port=port)))
    try:
        async with whatsapp_world(build_services(with_whatsapp(config), client), graph) as world:
            server.close()  # Redis stops (it saves first)
            payload = world.payloads.text(SITI, "/start")
            status, _ = await world.post(payload)
            assert status == 503
            assert len(graph.sent) == 1
            assert APOLOGY in graph.sent[0].text
            status, _ = await world.post(payload)  # Meta tries again; Redis is still down
            assert status == 503
            assert len(graph.sent) == 1
            with debian_redis(tmp_path, port=port):
                status, _ = await world.post(payload)
                assert status == 200
                assert len(graph.sent) >= 2
                assert APOLOGY not in graph.sent[-1].text
                assert len(world.incoming) == 1  # the core saw it once, when Redis was back
    finally:
        server.close()
        client.close()


async def test_a_signed_but_deeply_nested_body_is_a_400(config: Config, redis: Redis) -> None:
    """Nesting past 32 levels is refused at the WhatsApp webhook too, signature or not."""
    graph = GraphAPI()
    async with whatsapp_world(build_services(with_whatsapp(config), redis), graph) as world:
        for levels in (33, 100_000):
            status, _ = await world.post(nested(levels))
            assert status == 400
        assert world.incoming == []
        assert graph.sent == []
