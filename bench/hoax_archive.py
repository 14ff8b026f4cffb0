"""Benchmark the hoax archive's search at 5,000, 50,000 and 200,000 stored verdicts.

Everything runs in this process against a real Redis (the embedded one, AOF on, in a temp
dir): the archive is filled with synthetic verdicts, then searched. A synthetic verdict is
a chain message of 12-40 words drawn from Sastrawi's 30,000 Indonesian root words with a
Zipf distribution (exponent 1.1, as word frequencies in text follow), a third with an
amount or a phone number, a fifth with a link, a tenth with a picture hash. Queries are
rewordings of stored verdicts (a third of the words dropped, the rest shuffled, a few
written in chat shorthand) and unrelated texts from the same vocabulary, half each.

For each size it prints one JSON line: verdicts, build_s (filing all verdicts, pipelined),
redis_bytes_per_verdict (used_memory growth / verdicts), query p50/p99/max in ms
(`HoaxArchive.best_claim`: index lookups, candidate records, scoring), query_peak_kb (the
largest Python allocation peak of one query, tracemalloc), found (rewordings whose own
verdict came back), and the /cekhoaks instant-answer path: the conversation engine from a
resident's 🔎 Check press to the replies (the dialog, the archive search, dialog state in
Redis), p50/p99 in ms. host_other_cpu_per_s: CPU other programs used meanwhile (cores).

    .venv/bin/python bench/hoax_archive.py                     # 5k, 50k, 200k (~6 min)
    .venv/bin/python bench/hoax_archive.py --sizes 5000 --queries 200
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory  # noqa: E402

from bot.desk.hoaxes import Claim, Fingerprint, HoaxArchive  # noqa: E402
from bot.dialogs import build_conversations  # noqa: E402
from bot.platform.addresses import Address  # noqa: E402
from bot.platform.clock import FixedClock  # noqa: E402
from bot.platform.config import load_config  # noqa: E402
from bot.platform.messages import Incoming  # noqa: E402
from bot.platform.store import EmbeddedRedis, Redis, connect  # noqa: E402
from handlers.wiring import build_services  # noqa: E402

SHORT = {"untuk": "utk", "dengan": "dgn", "yang": "yg", "tidak": "gak", "sudah": "udh"}


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


class Texts:
    """Synthetic chain messages from a Zipf-distributed Indonesian vocabulary."""

    def __init__(self, seed: int) -> None:
        words = [w for w in StemmerFactory().get_words_from_file() if w.isalpha() and len(w) > 3]
        self.random = random.Random(seed)
        self.random.shuffle(words)
        self.words = words
        self.weights = [1 / (rank + 1) ** 1.1 for rank in range(len(words))]

    def message(self) -> str:
        """One chain message."""
        r = self.random
        text = " ".join(r.choices(self.words, self.weights, k=r.randint(12, 40)))
        if r.random() < 0.33:
            text += r.choice(
                [f" Rp {r.randint(1, 999)}.000", f" hubungi 0812{r.randint(10**7, 10**8 - 1)}"]
            )
        if r.random() < 0.2:
            text += f" https://{r.choice(self.words)}-info.xyz/{r.randint(1, 10**6)}"
        return text

    def reworded(self, text: str) -> str:
        """The same claim as another resident forwards it."""
        words = text.split()
        kept = [w for w in words if self.random.random() > 0.33 or w.startswith("http")]
        self.random.shuffle(kept)
        return "Diteruskan berkali-kali\n" + " ".join(SHORT.get(w, w) for w in kept)


def host_busy() -> float:
    """CPU seconds the whole machine spent busy since boot."""
    t = psutil.cpu_times()
    return float(sum(getattr(t, n, 0.0) for n in ("user", "nice", "system", "irq", "softirq")))


def own_cpu() -> float:
    """CPU seconds of this process and its children (the embedded Redis)."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        total += sum(child.cpu_times()[:2])
    return float(total)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) in ms."""
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 2)


def fill(archive: HoaxArchive, texts: Texts, count: int) -> tuple[list[str], float]:
    """Store `count` verdicts; returns their texts and the seconds it took."""
    stored = [texts.message() for _ in range(count)]
    started = time.perf_counter()
    picture = texts.random.getrandbits

    def claims() -> Any:
        for i, text in enumerate(stored):
            pictures = [f"{picture(64):016x}"] if i % 10 == 0 else []
            yield Claim(
                id=f"B-{i}",
                text=text,
                verdict="hoaks",
                explanation="Tidak benar.",
                sources="",
                at=float(i),
                fingerprint=Fingerprint.of(text, pictures),
            )

    archive.add_claims(claims())
    return stored, time.perf_counter() - started


def measure(redis: Redis, size: int, queries: int, seed: int) -> dict[str, Any]:
    """Fill an empty archive with `size` verdicts and search it."""
    redis.flushall()
    before = int(redis.info("memory")["used_memory"])
    texts = Texts(seed)
    archive = HoaxArchive(redis)
    stored, build = fill(archive, texts, size)
    grown = int(redis.info("memory")["used_memory"]) - before
    busy0, own0, t0 = host_busy(), own_cpu(), time.monotonic()
    times: list[float] = []
    peaks: list[int] = []
    found = asked = 0
    for q in range(queries):
        if q % 2 == 0:
            target = texts.random.randrange(size)
            text, asked = texts.reworded(stored[target]), asked + 1
        else:
            target, text = -1, texts.message()
        fingerprint = Fingerprint.of(text, [])
        started = time.perf_counter()
        best = archive.best_claim(fingerprint)
        times.append(time.perf_counter() - started)
        if q % 10 == 0:  # tracing slows the call down: its time is not taken
            tracemalloc.start()
            archive.best_claim(fingerprint)
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        if target >= 0 and best is not None and best[0].id == f"B-{target}":
            found += 1
    instant = instant_answers(redis, stored, texts, max(queries // 5, 20))
    elapsed = time.monotonic() - t0
    other = (host_busy() - busy0) - (own_cpu() - own0)
    return {
        "verdicts": size,
        "build_s": round(build, 1),
        "redis_bytes_per_verdict": round(grown / size),
        "queries": queries,
        "query_p50_ms": percentile(times, 50),
        "query_p99_ms": percentile(times, 99),
        "query_max_ms": round(max(times) * 1000, 2),
        "query_peak_kb": round(max(peaks) / 1024),
        "found": f"{found}/{asked}",
        **instant,
        "host_other_cpu_per_s": round(max(other, 0.0) / elapsed, 2),
    }


def instant_answers(redis: Redis, stored: list[str], texts: Texts, count: int) -> dict[str, Any]:
    """The /cekhoaks path in the conversation engine: a resident forwards a stored claim
    and presses 🔎 Check; only the press (search and answer) is timed."""
    config = load_config(ROOT / "config.yaml")
    clock = FixedClock(1_790_000_000.0)
    services = build_services(config, redis, clock)
    conversations = build_conversations(services)
    times: list[float] = []
    answered = 0
    for n in range(count):
        who = Address.telegram(900_000_000 + n)
        services.residents.consent(who, "id", config.privacy.notice_version, clock.now())
        services.residents.subscribe(who, "36.72.02.1001", clock.now())
        text = texts.reworded(stored[texts.random.randrange(len(stored))])
        for msg in (
            Incoming(who, "command", text="/cekhoaks", command="cekhoaks", language_code="id"),
            Incoming(who, "text", text=text, language_code="id"),
        ):
            replies = conversations.handle(msg)
        button = next(c.data for r in replies for c in r.flat_choices if "🔎" in c.label)
        clock.advance(10)
        started = time.perf_counter()
        replies = conversations.handle(Incoming(who, "button", button=button, language_code="id"))
        times.append(time.perf_counter() - started)
        answered += any("[HOAKS]" in r.text for r in replies)
    return {
        "instant_p50_ms": percentile(times, 50),
        "instant_p99_ms": percentile(times, 99),
        "instant_answered": f"{answered}/{count}",
    }


def main() -> None:
    """Run the sizes asked for, one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,50000,200000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kim-bench-hoax-") as tmp:
        server = EmbeddedRedis(tmp)
        try:
            redis = connect(server.url)
            for size in (int(s) for s in args.sizes.split(",")):
                log(f"{size} verdicts …")
                print(json.dumps(measure(redis, size, args.queries, args.seed)), flush=True)
        finally:
            server.close()


if __name__ == "__main__":
    main()
