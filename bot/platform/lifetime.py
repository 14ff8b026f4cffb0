"""Processes that must not outlive the one that started them (Linux's parent-death signal).

- `die_with_parent(pid)`: this process gets SIGTERM when its parent dies, even by SIGKILL.
- `forks_die_with_me()`: every process this one forks from now on does the same (RQ's
  work horses and scheduler are forks of the worker).
- `python -m bot.platform.lifetime PARENT_PID PROGRAM [ARG…]`: run PROGRAM (the embedded
  redis-server) with the signal set before it starts; the signal survives the exec.

The kernel sends the signal when the *thread* that forked the child ends, not the whole
process: start such children from a thread that lives as long as they should. Elsewhere
than Linux nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> bool:
    """Have the kernel send this process SIGTERM when `parent_pid` (its parent) dies,
    even by SIGKILL; if the parent is already gone, stop now. Linux only: elsewhere
    returns False and nothing changes."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        return False
    if os.getppid() != parent_pid:  # the parent died before the line above
        os.kill(os.getpid(), signal.SIGTERM)
    return True


def forks_die_with_me() -> None:
    """Every later fork of this process (not exec'd programs: subprocess does not run
    fork hooks) dies with the process that forked it."""
    forking = [os.getpid()]

    def remember() -> None:
        forking[0] = os.getpid()

    def in_child() -> None:
        die_with_parent(forking[0])

    os.register_at_fork(before=remember, after_in_child=in_child)


def main(argv: list[str]) -> None:
    """`PARENT_PID PROGRAM [ARG…]`: exec PROGRAM, set to die with PARENT_PID."""
    die_with_parent(int(argv[0]))
    os.execv(argv[1], argv[1:])  # noqa: S606 (the caller's own program and arguments)


if __name__ == "__main__":
    main(sys.argv[1:])
