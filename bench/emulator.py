"""Benchmark the Telegram Bot API emulator: how many sendMessage calls per second it serves.

Starts the emulator as a subprocess on loopback with flood control disabled,
then hammers sendMessage from this process with N requests in flight over
keep-alive connections for a bounded time, and prints one JSON line:

    {"bench":"emulator","requests":N,"seconds":S,"requests_per_s":R,"errors":E,"concurrency":C,
     "port":P,"emulator_cpu_seconds_per_1k":…,"client_cpu_seconds_per_1k":…,
     "host_other_cpu_per_s":…}

`host_other_cpu_per_s` is the CPU (in cores) that programs other than the emulator and
this client used meanwhile: above ~0.2 the figure is disturbed.

Run from the repository root:

    .venv/bin/python bench/emulator.py [--seconds 10] [--concurrency 64] [--port-range LO-HI]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from machine import PortRange, host_busy, own_cpu, tree_cpu

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "777000:BENCHtoken"  # noqa: S105 - a made-up token known only to the local emulator


def start_emulator(port: int) -> tuple[subprocess.Popen[str], str]:
    """Start `python -m emulator` on loopback `port`; return it and its URL."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--token",
            TOKEN,
            "--no-limits",
            "--log-size",
            "1000",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    prefix = "emulator listening on "
    if not line.startswith(prefix):
        process.kill()
        process.wait()
        raise RuntimeError(f"emulator did not start: {line!r}")
    return process, line.removeprefix(prefix)


async def hammer(base_url: str, seconds: float, concurrency: int) -> dict[str, object]:
    """Send messages with `concurrency` requests in flight for `seconds`."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        async with http.post(f"{base_url}/sim/users", json={"first_name": "Bench"}) as response:
            user = (await response.json())["result"]
        async with http.post(f"{base_url}/sim/users/{user['id']}/start", json={}) as response:
            response.raise_for_status()
        url = f"{base_url}/bot{TOKEN}/sendMessage"
        counts = {"ok": 0, "errors": 0}
        started = time.monotonic()
        deadline = started + seconds

        async def worker(index: int) -> None:
            body = {
                "chat_id": user["id"],
                "text": f"<b>Pengumuman</b> nomor {index}",
                "parse_mode": "HTML",
            }
            while time.monotonic() < deadline:
                try:
                    async with http.post(url, json=body) as reply:
                        await reply.read()
                        counts["ok" if reply.status == 200 else "errors"] += 1
                except aiohttp.ClientError:
                    counts["errors"] += 1

        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.monotonic() - started
    total = counts["ok"] + counts["errors"]
    return {
        "bench": "emulator",
        "requests": total,
        "seconds": round(elapsed, 3),
        "requests_per_s": round(total / elapsed, 1),
        "errors": counts["errors"],
        "concurrency": concurrency,
    }


def main() -> int:
    """Run the benchmark and print its JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to send (default 10)")
    parser.add_argument(
        "--concurrency", type=int, default=64, help="requests in flight (default 64)"
    )
    parser.add_argument(
        "--port-range", metavar="LO-HI", help="the emulator's 127.0.0.1 port lies in LO-HI"
    )
    args = parser.parse_args()
    ports = PortRange.parse(args.port_range)
    process, base_url = start_emulator(ports.take())
    try:
        host0, emulator0, own0 = host_busy(), tree_cpu(process.pid), own_cpu()
        result = asyncio.run(hammer(base_url, args.seconds, args.concurrency))
        host, emulator, own = (
            host_busy() - host0,
            tree_cpu(process.pid) - emulator0,
            own_cpu() - own0,
        )
        requests = int(str(result["requests"])) or 1
        result["port"] = int(base_url.rsplit(":", 1)[1])
        result["emulator_cpu_seconds_per_1k"] = round(emulator / requests * 1000, 4)
        result["client_cpu_seconds_per_1k"] = round(own / requests * 1000, 4)
        seconds = float(str(result["seconds"]))
        result["host_other_cpu_per_s"] = round(max(host - emulator - own, 0.0) / seconds, 2)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    print(json.dumps(result, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
