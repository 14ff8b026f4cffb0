"""`kimbot demo` SIGKILLed (a closed terminal, the OOM killer): its emulator, its bot, the
bot's worker and the embedded redis-server all stop too; nothing is left running."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.support.processes import pointing_at, start_demo, wait_until

pytestmark = pytest.mark.e2e


def test_a_killed_demo_leaves_no_process_behind(tmp_path: Path) -> None:
    """Every process of the demo's data dir is gone soon after the demo's own SIGKILL."""
    process, _ = start_demo(tmp_path)
    try:
        assert len(pointing_at(tmp_path)) >= 4  # demo, emulator, bot, worker (and Redis)
        process.popen.send_signal(signal.SIGKILL)
        process.popen.wait()
        killed = time.monotonic()
        wait_until(lambda: not pointing_at(tmp_path), 60, "the demo's children stopping")
        print(f"FIGURE demo SIGKILLed: its children gone after {time.monotonic() - killed:.2f} s")
    finally:
        process.stop()
    assert pointing_at(tmp_path) == []
