"""Benchmark the onboarding rush: N residents open the bot at once and press through /start.

The scene is a KIM sosialisasi that ends with a poster's QR code. Everything runs on
loopback: the Bot API emulator (a child process), and the real `kimbot run` as the
default install runs it (long polling, the embedded Redis in a temp dir, its RQ worker
child). N people are created in the emulator first; then every one of them, at the same
moment (or spread over `--within` seconds), opens the bot and presses through the real
dialog as a person would, each waiting for the bot's answer before the next press:

    /start → "Pilih bahasa" → [Bahasa Indonesia] → privacy notice → [✅ Saya setuju]
    → kecamatan (new message) → [a kecamatan] → kelurahan (the same message, edited)
    → [a kelurahan] → "Anda sudah berlangganan…"

Kecamatan and kelurahan are drawn at random (fixed seed) from the buttons on offer. A
step's latency runs from the person's action (the /sim POST) to the bot's answer showing
in the emulator (`GET /sim/chats/{id}/messages?since=…&wait=…`, no polling).

Cases (`--cases`):
- `at_limit`: the emulator's flood control on (30/s per bot, 1/s with a burst of 3 per
  chat, as Telegram) and the bot's `broadcasts.rate_per_second` 30;
- `no_limits`: flood control off, the bot's rate 100,000/s (what the bot itself costs).

`--trees old=/path/to/checkout,new=.` runs every case with the bot started from each
source tree in turn (the emulator and this script are always this tree's), so before and
after come from one run on the same host. Each case gets a fresh emulator, bot and Redis.

One JSON line per case and tree: residents, onboarded, seconds, onboardings_per_s, step
latency p50/p95/p99/max (seconds, over every step) and p99 per step, sends_per_onboarding
(message-sending calls in the emulator's log), http_429, bot_cpu_ms_per_onboarding (the
bot's own process, psutil; its RQ worker and Redis children are not in it) and the kernel's
part of it (bot_system_cpu_ms_per_onboarding),
redis_cpu_ms_per_onboarding, emulator_cpu_ms_per_onboarding, and host_other_cpu_per_s
(CPU that programs other than the bot's tree, the emulator and this script used during
the case, in cores; above ~0.2 the run was disturbed), and host_wake_penalty (bench/
machine.py: how much dearer work is right after a short sleep on this host; paced work
such as an onboarding at 30/s pays it on nearly every step). Progress goes to stderr.

    .venv/bin/python bench/onboarding.py                               # 200 residents
    .venv/bin/python bench/onboarding.py --residents 50 --cases at_limit
    .venv/bin/python bench/onboarding.py --trees old=/tmp/base,new=.

Ports: the emulator listens on `--port` (default 18100) and the next ones, 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import psutil  # noqa: E402
import yaml  # noqa: E402
from machine import host_busy, tree_cpu, wake_penalty  # noqa: E402  (bench/machine.py)

TOKEN = "777003:BENCH-rush-token"  # noqa: S105 - known only to the local emulator
FIRST_USER = 730_000_001
WAIT = 60.0  # seconds one step may take before the resident gives up
NAV = ("›", "‹", "«")  # paging and back buttons, not places

# (what the person does, text the bot's answer contains)
STEPS = (
    ("start", "Pilih bahasa"),
    ("Bahasa Indonesia", "Pemberitahuan privasi"),
    ("✅", "kecamatan mana"),
    ("kecamatan", "yang mana?"),
    ("kelurahan", "Anda sudah berlangganan"),
)
STEP_NAMES = ("start", "language", "consent", "kecamatan", "kelurahan")


def log(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


# -- CPU accounting ----------------------------------------------------------------------


def own_cpu_of(pid: int) -> float:
    """CPU seconds of one process alone (threads included, children not)."""
    with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
        t = psutil.Process(pid).cpu_times()
        return float(t.user + t.system)
    return 0.0


def own_system_cpu_of(pid: int) -> float:
    """Kernel CPU seconds of one process alone (system calls: sockets, wake-ups)."""
    with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
        return float(psutil.Process(pid).cpu_times().system)
    return 0.0


def redis_cpu(pid: int) -> float:
    """CPU seconds of the embedded Redis under the bot."""
    total = 0.0
    with contextlib.suppress(psutil.NoSuchProcess):
        for proc in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
                if "redis" in proc.name():
                    t = proc.cpu_times()
                    total += t.user + t.system
    return total


@dataclass
class Meter:
    """CPU of the bot, its tree, Redis, the emulator, this script and the host over a case."""

    bot: int
    emulator: int
    started: float = 0.0
    marks: tuple[float, ...] = ()

    def _now(self) -> tuple[float, ...]:
        return (
            own_cpu_of(self.bot),
            own_system_cpu_of(self.bot),
            tree_cpu(self.bot),
            redis_cpu(self.bot),
            tree_cpu(self.emulator),
            own_cpu_of(os.getpid()),
            host_busy(),
        )

    def start(self) -> None:
        self.started = time.monotonic()
        self.marks = self._now()

    def stop(self, onboardings: int) -> dict[str, Any]:
        bot, bot_system, tree, redis, emulator, own, host = (
            b - a for a, b in zip(self.marks, self._now(), strict=True)
        )
        other = host - tree - emulator - own
        per = max(onboardings, 1)
        return {
            "bot_cpu_ms_per_onboarding": round(bot * 1000 / per, 2),
            "bot_system_cpu_ms_per_onboarding": round(bot_system * 1000 / per, 2),
            "redis_cpu_ms_per_onboarding": round(redis * 1000 / per, 2),
            "emulator_cpu_ms_per_onboarding": round(emulator * 1000 / per, 2),
            "host_other_cpu_per_s": round(max(other, 0.0) / (time.monotonic() - self.started), 2),
        }


# -- processes ---------------------------------------------------------------------------


class Child:
    """A child process with its output in a log file; stopped by pid."""

    def __init__(
        self, name: str, command: list[str], cwd: Path, env: dict[str, str], logdir: Path
    ) -> None:
        self.log_path = logdir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.pid = self.popen.pid

    def stop(self, timeout: float = 20.0) -> None:
        """SIGINT (Ctrl-C), then SIGKILL of the process and its descendants."""
        if self.popen.poll() is None:
            with contextlib.suppress(psutil.NoSuchProcess):
                kids = psutil.Process(self.pid).children(recursive=True)
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                for proc in kids:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        proc.kill()
                self.popen.kill()
                self.popen.wait(timeout=10)
        self._log.close()


def start_emulator(port: int, limits: bool, logdir: Path) -> tuple[Child, str]:
    """The emulator from this tree, with Telegram's flood control or none."""
    command = [
        sys.executable,
        "-m",
        "emulator",
        "--port",
        str(port),
        "--token",
        f"{TOKEN}:kim_rush_bot",
        "--log-size",
        "1000000",
    ]
    if not limits:
        command.append("--no-limits")
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    child = Child("emulator", command, ROOT, env, logdir)
    api = f"http://127.0.0.1:{port}"
    from handlers.processes import wait_http

    if not wait_http(api + "/sim/bots", 60):
        raise SystemExit(f"the emulator did not come up on {api}")
    return child, api


def start_bot(tree: Path, api: str, rate: float, tmp: Path) -> Child:
    """`kimbot run` (long polling, embedded Redis, its RQ worker) from the source `tree`."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["broadcasts"]["rate_per_second"] = rate
    (tmp / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env = dict(
        os.environ,
        KIMBOT_TELEGRAM_TOKEN=TOKEN,
        KIMBOT_TELEGRAM_API_URL=api,
        KIMBOT_DATA_DIR=str(tmp / "data"),
        PYTHONPATH=str(tree),
    )
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "handlers.cli", "run", "--config", str(tmp / "config.yaml")]
    return Child("bot", command, tree, env, tmp)


async def wait_polling(session: aiohttp.ClientSession, api: str, bot: Child) -> None:
    """Until the bot has set its commands and is long-polling."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if bot.popen.poll() is not None:
            raise SystemExit(f"the bot exited; see {bot.log_path}")
        async with session.get(api + "/sim/log", params={"method": "getUpdates"}) as r:
            if (await r.json())["result"]["entries"]:
                return
        await asyncio.sleep(0.2)
    raise SystemExit(f"the bot never polled; see {bot.log_path}")


# -- the residents -----------------------------------------------------------------------


async def sim(session: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> Any:
    """One /sim call; its result."""
    async with session.request(method, url, **kw) as response:
        data = await response.json()
        if not data.get("ok"):
            raise RuntimeError(f"{method} {url}: {data}")
        return data["result"]


def pick(message: dict[str, Any], wanted: str, rng: random.Random) -> str:
    """The callback data of the button a person means: by label, or a random place."""
    buttons = [b for row in message.get("buttons") or [] for b in row if "callback_data" in b]
    if wanted in ("kecamatan", "kelurahan"):
        places = [b for b in buttons if not any(mark in b["text"] for mark in NAV)]
        return str(rng.choice(places)["callback_data"])
    return str(next(b["callback_data"] for b in buttons if wanted in b["text"]))


@dataclass
class Resident:
    """One person pressing through the onboarding; their step latencies."""

    user: int
    rng: random.Random
    steps: list[float] = field(default_factory=list)
    finished_at: float = 0.0

    async def answer(
        self, session: aiohttp.ClientSession, api: str, since: int, marker: str
    ) -> tuple[dict[str, Any], int]:
        """The first bot message (or edit) after chat version `since` showing `marker`."""
        url = f"{api}/sim/chats/{self.user}/messages"
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            params = {"since": str(since), "from_bot": "1", "wait": "30"}
            found = await sim(session, "GET", url, params=params)
            for message in found["messages"]:
                if marker in str(message.get("text") or ""):
                    return message, int(found["version"])
            since = int(found["version"])
        raise TimeoutError(f"user {self.user} never saw {marker!r}")

    async def onboard(self, session: aiohttp.ClientSession, api: str, delay: float) -> None:
        """/start, then every press, each after the bot's answer to the one before."""
        await asyncio.sleep(delay)
        url = f"{api}/sim/users/{self.user}"
        since = 0
        message: dict[str, Any] = {}
        for action, marker in STEPS:
            began = time.monotonic()
            if action == "start":
                await sim(session, "POST", url + "/start", json={})
            else:
                data = pick(message, action, self.rng)
                body = {"message_id": message["message_id"], "data": data}
                await sim(session, "POST", url + "/press", json=body)
            message, since = await self.answer(session, api, since, marker)
            self.steps.append(time.monotonic() - began)
        self.finished_at = time.monotonic()


def quantile(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of `values`, rounded to milliseconds."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))
    return round(ordered[index], 3)


async def create_users(session: aiohttp.ClientSession, api: str, count: int) -> list[int]:
    """`count` people in the emulator (who have not opened the bot yet)."""
    ids = list(range(FIRST_USER, FIRST_USER + count))
    for i in range(0, count, 50):
        await asyncio.gather(
            *(
                sim(
                    session,
                    "POST",
                    api + "/sim/users",
                    json={"id": u, "first_name": f"Warga {u}", "language_code": "id"},
                )
                for u in ids[i : i + 50]
            )
        )
    return ids


async def http_429_and_sends(session: aiohttp.ClientSession, api: str) -> tuple[int, int]:
    """429 answers, and message-sending calls answered 200, in the emulator's log."""
    params = {"status": "429", "limit": "1000000"}
    limited = len((await sim(session, "GET", api + "/sim/log", params=params))["entries"])
    sends = 0
    for method in ("sendMessage", "sendPhoto", "sendDocument", "copyMessage"):
        params = {"method": method, "status": "200", "limit": "1000000"}
        sends += len((await sim(session, "GET", api + "/sim/log", params=params))["entries"])
    return limited, sends


# -- one case ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    limits: bool
    rate: float


CASES = {
    "at_limit": Case("at_limit", limits=True, rate=30.0),
    "no_limits": Case("no_limits", limits=False, rate=100_000.0),
}


def commit_of(tree: Path) -> str:
    """The checked-out commit of `tree` (with + when its files differ from it)."""
    head = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return head + ("+" if dirty else "")


async def run_case(
    case: Case, label: str, tree: Path, args: argparse.Namespace, port: int
) -> dict[str, Any]:
    """Fresh emulator, bot and Redis; the rush; the figures."""
    with tempfile.TemporaryDirectory(prefix="kimbot-rush-") as name:
        tmp = Path(name)
        emulator, api = start_emulator(port, case.limits, tmp)
        bot: Child | None = None
        try:
            connector = aiohttp.TCPConnector(limit=0)
            timeout = aiohttp.ClientTimeout(total=WAIT + 30)
            async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
                users = await create_users(session, api, args.residents)
                bot = start_bot(tree, api, case.rate, tmp)
                await wait_polling(session, api, bot)
                await asyncio.sleep(args.settle)
                await sim(session, "DELETE", api + "/sim/log")
                rng = random.Random(args.seed)
                residents = [Resident(u, random.Random(rng.random())) for u in users]
                delays = [args.within * i / max(len(users), 1) for i in range(len(users))]
                penalty = wake_penalty()
                meter = Meter(bot.pid, emulator.pid)
                log(f"{label} {case.name}: {len(users)} residents open the bot")
                spy = profile(bot.pid, args.profile, f"{label}-{case.name}")
                meter.start()
                began = time.monotonic()
                outcomes = await asyncio.gather(
                    *(r.onboard(session, api, d) for r, d in zip(residents, delays, strict=True)),
                    return_exceptions=True,
                )
                done = [r for r, o in zip(residents, outcomes, strict=True) if o is None]
                ended = max((r.finished_at for r in done), default=time.monotonic())
                cpu = meter.stop(len(done))
                if spy is not None:
                    spy.send_signal(signal.SIGINT)
                    spy.wait(timeout=30)
                limited, sends = await http_429_and_sends(session, api)
            failures = [repr(o) for o in outcomes if o is not None][:3]
            steps = [s for r in done for s in r.steps]
            seconds = ended - began
            return {
                "bench": "onboarding",
                "tree": label,
                "commit": commit_of(tree),
                "case": case.name,
                "residents": len(users),
                "within_s": args.within,
                "emulator_limit_per_s": 30.0 if case.limits else None,
                "rate_per_s": case.rate,
                "onboarded": len(done),
                "seconds": round(seconds, 2),
                "onboardings_per_s": round(len(done) / seconds, 2) if seconds else None,
                "step_p50_s": quantile(steps, 0.50),
                "step_p95_s": quantile(steps, 0.95),
                "step_p99_s": quantile(steps, 0.99),
                "step_max_s": round(max(steps, default=0.0), 3),
                "step_p99_by_step_s": {
                    name: quantile([r.steps[i] for r in done], 0.99)
                    for i, name in enumerate(STEP_NAMES)
                },
                "sends_per_onboarding": round(sends / max(len(done), 1), 2),
                "http_429": limited,
                **cpu,
                "host_wake_penalty": penalty,
                **({"failures": failures} if failures else {}),
            }
        finally:
            if bot is not None:
                bot.stop()
            emulator.stop()
            if args.keep:
                log(f"logs kept in {keep_logs(tmp, f'{label}-{case.name}')}")


def keep_logs(tmp: Path, name: str) -> Path:
    """Copy the processes' logs out of the temp dir that is about to go."""
    keep = Path(tempfile.mkdtemp(prefix=f"kimbot-rush-{name}-"))
    for path in tmp.glob("*.log"):
        keep.joinpath(path.name).write_bytes(path.read_bytes())
    return keep


def profile(pid: int, where: str | None, name: str) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the bot (all threads, idle included) into `where`/`name`.txt."""
    if not where:
        return None
    out = Path(where) / f"{name}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "--pid", str(pid), "--format", "raw", "--gil", "-r", "200"]
    return subprocess.Popen(
        [*command, "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def parse_trees(text: str) -> list[tuple[str, Path]]:
    """`old=/path,new=.` → [(label, path)]."""
    trees = []
    for item in text.split(","):
        label, _, path = item.partition("=")
        trees.append((label, Path(path or label).resolve()))
    return trees


async def main_async(args: argparse.Namespace) -> None:
    trees = parse_trees(args.trees)
    for n, name in enumerate(args.cases.split(",")):
        for m, (label, tree) in enumerate(trees):
            port = args.port + (n * len(trees) + m) % 50
            print(json.dumps(await run_case(CASES[name], label, tree, args, port)), flush=True)


def main() -> int:
    """Parse arguments, run every case for every tree, print JSON lines."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--cases", default="at_limit,no_limits")
    parser.add_argument("--trees", default=f"this={ROOT}", help="label=path[,label=path]")
    parser.add_argument(
        "--within", type=float, default=0.0, help="spread the /starts over this many seconds"
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after start-up")
    parser.add_argument("--port", type=int, default=18100)
    parser.add_argument("--keep", action="store_true", help="keep the processes' logs")
    parser.add_argument("--profile", metavar="DIR", help="py-spy the bot during the rush")
    asyncio.run(main_async(parser.parse_args()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
