"""What a failed job leaves behind: the exception's type and where it was raised, never its text.

RQ keeps a failed job's traceback in Redis for the job's `failure_ttl` and logs it. An
exception's message can quote a chat id, a phone number or what a resident wrote (an
API error echoing the request does), so every job is `scrubbed`: whatever it raises
comes out as a `JobFailed` naming only the original exception's class and the frames
(file, line, function) it passed through.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
FRAMES = 6


class JobFailed(Exception):
    """A job's exception with its message left out."""


def summary(exc: BaseException) -> str:
    """`Kind at file.py:12 in f ← other.py:3 in g`: innermost frame first, no values."""
    frames = traceback.extract_tb(exc.__traceback__)[-FRAMES:]
    where = " ← ".join(
        f"{'/'.join(Path(f.filename).parts[-2:])}:{f.lineno} in {f.name}" for f in reversed(frames)
    )
    return f"{type(exc).__qualname__} at {where}" if where else type(exc).__qualname__


def scrubbed(job: Callable[P, R]) -> Callable[P, R]:
    """The job, raising `JobFailed` (without the original's message or chain) on failure."""

    @functools.wraps(job)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return job(*args, **kwargs)
        except Exception as exc:  # every failure is re-raised, only scrubbed
            raise JobFailed(summary(exc)) from None

    return run
