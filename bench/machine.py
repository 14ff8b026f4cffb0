"""What the benchmarks share about the machine: loopback ports in a range, and host load.

- `PortRange.parse("18300-18399")` and `PortRange.take()`: a 127.0.0.1 port inside the
  range that nothing listens on now (each port handed out once per run), so benchmarks
  run side by side with other work on the machine stay within the ports they were given.
- `host_busy()`: CPU seconds the whole machine spent busy since boot (all cores);
  `tree_cpu(pid)`: a process's and its descendants' CPU seconds. A benchmark line's
  `host_other_cpu_per_s` is the difference, per second of the case: the cores that
  other programs kept busy meanwhile.
- `wake_penalty()`: how much dearer a small piece of work is right after an 8 ms sleep
  than back to back (its CPU, and the sleep's own, in µs; their ratio). On a virtual
  machine such as a small VPS it is large (seen here: 227-275 µs of this JSON parsing
  took 368-440 µs after a sleep, the sleep itself 60-95 µs), so work paced at 30/s costs
  more CPU per message there than the same work at full speed. Benchmark lines of paced
  cases carry it, so figures from different hosts can be read side by side.

Imported by the scripts in this folder as `from machine import ...` (the script's folder
is first on `sys.path` when it runs).
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil


@dataclass
class PortRange:
    """Loopback ports `low..high` (inclusive), or any free port when `low` is 0."""

    low: int = 0
    high: int = 0
    used: list[int] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str | None) -> PortRange:
        """`LO-HI` (e.g. `18300-18399`); None or empty: any free port."""
        if not text:
            return cls()
        low, sep, high = text.partition("-")
        if not sep or not low.isdigit() or not high.isdigit() or not 0 < int(low) <= int(high):
            raise ValueError(f"a port range is LO-HI, e.g. 18300-18399, not {text!r}")
        if int(high) > 65535:
            raise ValueError(f"ports end at 65535, not {high}")
        return cls(int(low), int(high))

    def take(self) -> int:
        """A port nobody listens on now on 127.0.0.1, not handed out before in this run."""
        candidates = range(self.low, self.high + 1) if self.low else [0] * 20
        for port in candidates:
            if port and port in self.used:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
                found = int(probe.getsockname()[1])
            if found not in self.used:
                self.used.append(found)
                return found
        raise RuntimeError(f"no free loopback port in {self.low}-{self.high}")

    def __str__(self) -> str:
        return f"{self.low}-{self.high}" if self.low else "any"


def host_busy() -> float:
    """CPU seconds the whole machine spent busy since boot (all cores)."""
    t = psutil.cpu_times()
    return float(
        sum(getattr(t, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq", "steal"))
    )


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process, its reaped children and its live descendants."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
            t = proc.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
    return total


def own_cpu() -> float:
    """CPU seconds of this process (not its children)."""
    t = psutil.Process().cpu_times()
    return float(t.user + t.system)


_SAMPLE = json.dumps(
    [{"chat_id": i, "text": "Pengumuman warga " * 12, "ok": True} for i in range(20)]
)


def _work() -> None:
    for _ in range(10):
        json.loads(_SAMPLE)


def wake_penalty(rounds: int = 250) -> dict[str, float]:
    """The work's CPU back to back and after an 8 ms sleep, and the sleep's own (µs)."""

    def per_round(step: Callable[[], None]) -> float:
        started = time.process_time()  # to the nanosecond; psutil's ticks are 10 ms
        for _ in range(rounds):
            step()
        return (time.process_time() - started) / rounds * 1e6

    per_round(_work)  # warm up
    hot = per_round(_work)
    asleep = per_round(lambda: time.sleep(0.008))
    woken = per_round(lambda: (time.sleep(0.008), _work())[1]) - asleep
    return {
        "work_us": round(hot, 1),
        "work_after_sleep_us": round(woken, 1),
        "sleep_us": round(asleep, 1),
        "ratio": round(woken / hot, 2) if hot else 0.0,
    }
