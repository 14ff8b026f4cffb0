"""The /cekhoaks instant answer end to end, with the hoax archive holding N verdicts.

Everything runs on loopback: the Bot API emulator (flood control off), `kimbot run
--webhook` on the embedded Redis in a temp dir, the archive filled beforehand with N
synthetic verdicts (as in bench/hoax_archive.py) and R residents already subscribed.
Each resident opens /cekhoaks, forwards a reworded stored claim, and presses 🔎 Check;
the time runs from the press (the emulator posting the callback to the bot's webhook) to
the bot's answer with the verdict arriving in the emulator. One JSON line: verdicts,
residents, answered, from_archive (the rest were not found and got a ticket number: the
same path, timed alike), press_to_answer p50/p99/max in ms, and host_busy_cpu_per_s: the CPU
the whole machine used meanwhile (cores; the emulator, the bot and Redis included).

    .venv/bin/python bench/hoax_end_to_end.py                      # 200,000 verdicts
    .venv/bin/python bench/hoax_end_to_end.py --verdicts 5000 --residents 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
for path in (ROOT, SCRIPT.parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from hoax_archive import Texts, fill, host_busy, percentile  # noqa: E402
from webhook_burst import log, start_bot, start_emulator  # noqa: E402

from bot.desk.hoaxes import HoaxArchive  # noqa: E402
from bot.platform.addresses import Address  # noqa: E402
from bot.platform.config import load_config  # noqa: E402
from bot.platform.store import EmbeddedRedis, connect  # noqa: E402
from bot.residents.records import Residents  # noqa: E402
from emulator import SimClient  # noqa: E402
from handlers.processes import stop_process  # noqa: E402

BAGENDUNG = "36.72.02.1001"


def prepare(data: Path, users: list[int], verdicts: int, texts: Texts) -> list[str]:
    """The archive and the subscribed residents, written before the bot starts."""
    server = EmbeddedRedis(data)
    try:
        redis = connect(server.url)
        stored, seconds = fill(HoaxArchive(redis), texts, verdicts)
        HoaxArchive(redis).index.mark_current()
        log(f"{verdicts} verdicts filed in {seconds:.1f} s")
        version = load_config(ROOT / "config.yaml").privacy.notice_version
        residents = Residents(redis)
        for user in users:
            who = Address.telegram(user)
            residents.consent(who, "id", version, time.time())
            residents.subscribe(who, BAGENDUNG, time.time())
    finally:
        server.close()
    return stored


async def newest_from_bot(sim: SimClient, user: int, after: int, *needles: str) -> dict[str, Any]:
    """The first bot message after `after` containing one of `needles` (up to 30 s)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in await sim.messages(user, after=after, wait=5, from_bot=1):
            if any(needle in str(message.get("text", "")) for needle in needles):
                return message
            after = max(after, int(message["message_id"]))
    raise TimeoutError(f"no bot message with {needles!r} for {user}")


async def ask(sim: SimClient, user: int, text: str) -> tuple[float, bool]:
    """One resident's check: the seconds from the press to the answer, and whether it
    was the archived verdict (else a ticket was filed: the rewording was not found)."""
    sent = await sim.send(user, "/cekhoaks")
    prompt = await newest_from_bot(sim, user, int(sent["message"]["message_id"]), "Cek")
    sent = await sim.send(user, text)
    got = await newest_from_bot(sim, user, int(sent["message"]["message_id"]), "Diterima")
    button = next(
        b for row in got.get("buttons") or [] for b in row if "🔎" in str(b.get("text", ""))
    )
    del prompt
    started = time.perf_counter()
    await sim.press(user, int(got["message_id"]), data=button["callback_data"])
    answer = await newest_from_bot(sim, user, int(got["message_id"]), "[HOAKS]", "HKS-")
    return time.perf_counter() - started, "[HOAKS]" in str(answer.get("text", ""))


async def measure(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Start everything, ask, stop."""
    emulator, api = start_emulator(tmp)
    bot = None
    try:
        async with SimClient(api) as sim:
            users = [
                int((await sim.create_user(f"Warga {n}"))["id"]) for n in range(args.residents)
            ]
        texts = Texts(args.seed)
        stored = prepare(tmp / "data", users, args.verdicts, texts)
        bot, _port = start_bot(tmp, api)
        busy0, t0 = host_busy(), time.monotonic()
        times: list[float] = []
        from_archive = 0
        async with SimClient(api) as sim:
            for user in users:
                text = texts.reworded(stored[texts.random.randrange(len(stored))])
                seconds, archived = await ask(sim, user, text)
                times.append(seconds)
                from_archive += archived
        elapsed = time.monotonic() - t0
        return {
            "verdicts": args.verdicts,
            "residents": args.residents,
            "answered": len(times),
            "from_archive": from_archive,
            "press_to_answer_p50_ms": percentile(times, 50),
            "press_to_answer_p99_ms": percentile(times, 99),
            "press_to_answer_max_ms": round(max(times) * 1000, 2),
            "host_busy_cpu_per_s": round((host_busy() - busy0) / elapsed, 2),
        }
    finally:
        if bot is not None:
            stop_process(bot, signal.SIGINT, 20)
        stop_process(emulator, signal.SIGINT, 20)


def main() -> None:
    """Parse the options, run once, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verdicts", type=int, default=200_000)
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kim-bench-hoax-e2e-") as tmp:
        print(json.dumps(asyncio.run(measure(args, Path(tmp)))), flush=True)


if __name__ == "__main__":
    main()
