"""What RQ keeps and logs about jobs names nobody: descriptions are ids, failures are scrubbed.

Run by a real RQ worker (forking a work horse per job) on the test Redis, its log
captured at DEBUG, the level at which RQ also prints results.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from rq import Queue

from bot.platform.store import Redis, connect
from broadcasts.failures import scrubbed
from broadcasts.worker import build_worker
from tests.support.storage import everything_in

SECRET = "Siti Rahmawati 081234567890"


@scrubbed
def leaky_job(ticket_id: str) -> None:
    """A job whose exception quotes what a resident wrote, as an API error echoing a request
    would."""
    raise ValueError(f"could not send {SECRET!r} for {ticket_id}")


@pytest.fixture
def worker_log(tmp_path: Path) -> Iterator[Path]:
    """Every log record at DEBUG, from the worker and its work horses, in one file."""
    path = tmp_path / "worker.log"
    handler = logging.FileHandler(path)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


def test_a_failed_job_keeps_its_exception_type_and_frames_only(
    redis: Redis, redis_url: str, worker_log: Path
) -> None:
    """The failure record and the log say which exception and where, never its message."""
    raw = connect(redis_url, decode=False)
    queue = Queue("kim-default", connection=raw)
    job = queue.enqueue(leaky_job, "ASP-2611-0007", description="test job ASP-2611-0007")
    build_worker(raw).work(burst=True)
    job.refresh()
    assert job.is_failed
    result = job.latest_result()
    assert result is not None
    assert result.exc_string is not None
    assert "JobFailed: ValueError at tests/test_job_records.py" in result.exc_string
    assert "in leaky_job" in result.exc_string
    log = worker_log.read_text()
    assert "ValueError at tests/test_job_records.py" in log
    for text in (log, result.exc_string, everything_in(redis)):
        assert "Siti" not in text
        assert "081234567890" not in text
