"""One resident at a time: a lock per key, kept only while someone holds or awaits it.

Both channels run the core in worker threads; each resident's messages must still be
handled one after the other, in order, so a double tap cannot race the conversation
state. Locks live in a weak dictionary, so a city's worth of residents costs nothing
between their messages.
"""

from __future__ import annotations

import asyncio
import weakref


class KeyedLocks:
    """`for_key(k)` returns the same lock for `k` while it is in use."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def for_key(self, key: str) -> asyncio.Lock:
        """The lock that keeps `key`'s work in order."""
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock
