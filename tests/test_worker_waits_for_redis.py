"""`kimbot worker` started while its Redis is down waits (with a log line) instead of
dying, and works once a real redis-server is started."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rq import Queue, Worker

from bot.platform.store import connect
from broadcasts.jobs import start_job
from broadcasts.queues import CONTROL_QUEUE
from tests.support.constants import ROOT
from tests.support.processes import Process, free_port, start_redis_server, wait_until

UNREACHABLE = "Redis (REDIS_URL) unreachable"


def test_a_worker_waits_for_redis_then_works(tmp_path: Path) -> None:
    """Redis stopped: the worker logs and keeps trying (backoff), alive; Redis started
    again on the same port: the worker registers and runs a job."""
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    start_redis_server(tmp_path, port).stop()
    env = dict(os.environ, REDIS_URL=url, KIMBOT_CONFIG=str(ROOT / "config.yaml"))
    env.pop("KIMBOT_TELEGRAM_TOKEN", None)
    command = [
        sys.executable,
        "-m",
        "handlers.cli",
        "worker",
        "--config",
        str(ROOT / "config.yaml"),
    ]
    worker = Process(command, env, tmp_path / "worker.log")
    server: Process | None = None
    try:
        wait_until(lambda: worker.output().count(UNREACHABLE) >= 2, 60, "two retries logged")
        assert worker.popen.poll() is None
        assert "trying again in 1 s" in worker.output()
        assert "trying again in 2 s" in worker.output()
        server = start_redis_server(tmp_path, port)
        rq_redis = connect(url, decode=False)
        wait_until(lambda: len(Worker.all(connection=rq_redis)) == 1, 60, "the worker registering")
        job = Queue(CONTROL_QUEUE, connection=rq_redis).enqueue(start_job, "404")
        wait_until(lambda: job.get_status(refresh=True) == "finished", 60, "the job running")
        assert job.return_value() == 0  # no announcement 404: nothing to start
        assert "answers now" in worker.output()
        rq_redis.close()
    finally:
        worker.stop()
        if server is not None:
            server.stop()
