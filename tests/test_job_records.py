"""What RQ keeps and logs about jobs names nobody: descriptions are ids, failures are scrubbed.

Run by a real RQ worker (forking a work horse per job) on the test Redis, its log
captured at DEBUG, the level at which RQ also prints results (`kimbot worker` leaves RQ at
INFO, where it prints each job's description).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from rq import Queue

from bot.platform.addresses import Address
from bot.platform.messages import Reply
from bot.platform.store import Redis, connect
from broadcasts.context import job_context
from broadcasts.dispatch import RQDispatch
from broadcasts.failures import scrubbed
from broadcasts.worker import build_worker
from tests.support.constants import ROOT
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


@pytest.fixture
def worker_env(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The environment `kimbot worker` gives its jobs (and its maintenance)."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("KIMBOT_CONFIG", str(ROOT / "config.yaml"))
    job_context.cache_clear()
    yield
    job_context.cache_clear()


@pytest.mark.usefixtures("worker_env")
def test_a_failed_job_keeps_its_exception_type_and_frames_only(
    redis: Redis, redis_url: str, worker_log: Path
) -> None:
    """The failure record and the log say which exception and where, never its message."""
    raw = connect(redis_url, decode=False)
    queue = Queue("kim-default", connection=raw)
    job = queue.enqueue(leaky_job, "ASP-2611-0007", description="test job ASP-2611-0007")
    build_worker(raw).work(burst=True, logging_level="DEBUG")
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


@pytest.mark.usefixtures("worker_env")
def test_a_notice_job_is_logged_by_its_id(redis: Redis, redis_url: str, worker_log: Path) -> None:
    """At DEBUG RQ logs each job's description and result: a notice's are its id and its
    outcome, never the chat or the text, before or after the resident erased their data."""
    me = Address.telegram(7774001)
    services = job_context().services
    services.residents.consent(me, "id", "v1", 1.0)
    raw = connect(redis_url, decode=False)
    RQDispatch(raw).notify(me, Reply(text=f"Jawaban untuk {SECRET}"))
    services.privacy.erase(me)
    build_worker(raw).work(burst=True, logging_level="DEBUG")
    log = worker_log.read_text()
    assert "kim-interactive: notice " in log
    assert "result: 'gone'" in log
    for text in (log, everything_in(redis)):
        assert "7774001" not in text
        assert "Siti" not in text
