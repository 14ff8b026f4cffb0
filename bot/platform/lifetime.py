"""Processes that must not outlive the one that started them (Linux's parent-death signal).

- `die_with_parent(pid, how)`: this process gets `how` (SIGTERM unless told otherwise)
  when its parent dies, even by SIGKILL.
- `forks_die_with_me()`: every process this one forks from now on gets SIGTERM when it
  dies (RQ's scheduler is a fork of the worker), and lets go of the
  sockets it inherited, so that this process's connections close the moment it dies.
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
import stat
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int, how: signal.Signals = signal.SIGTERM) -> bool:
    """Have the kernel send this process `how` when `parent_pid` (its parent) dies, even
    by SIGKILL; if the parent is already gone, send it now. Linux only: elsewhere returns
    False and nothing changes."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, how, 0, 0, 0) != 0:
        return False
    if os.getppid() != parent_pid:  # the parent died before the line above
        os.kill(os.getpid(), how)
    return True


def forks_die_with_me() -> None:
    """Every later fork of this process (not exec'd programs: subprocess does not run
    fork hooks) dies with the process that forked it, and holds none of its sockets."""
    forking = [os.getpid()]

    def remember() -> None:
        forking[0] = os.getpid()

    def in_child() -> None:
        die_with_parent(forking[0])
        let_go_of_inherited_sockets()

    os.register_at_fork(before=remember, after_in_child=in_child)


def let_go_of_inherited_sockets() -> None:
    """In a fresh fork: turn every socket above stderr into /dev/null.

    A fork shares its parent's connections. When the parent dies, a connection a fork
    still holds stays open: Redis would then hand the job a dead worker was blocked on
    (BLPOP) to that connection, where nobody reads it, and the job would be lost. The
    fork never uses them (redis-py opens new connections in a new process); the file
    descriptor numbers stay taken, so no socket object can close someone else's.
    """
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:  # no /proc: nothing to do without it
        return
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for name in names:
            fd = int(name)
            if fd > 2 and fd != null and _is_socket(fd):
                os.dup2(null, fd)
    finally:
        os.close(null)


def _is_socket(fd: int) -> bool:
    try:
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    except OSError:  # closed meanwhile (the directory listing's own descriptor)
        return False


def main(argv: list[str]) -> None:
    """`PARENT_PID PROGRAM [ARG…]`: exec PROGRAM, set to die with PARENT_PID."""
    die_with_parent(int(argv[0]))
    os.execv(argv[1], argv[1:])  # noqa: S606 (the caller's own program and arguments)


if __name__ == "__main__":
    main(sys.argv[1:])
