"""Keeping a long-running process's own objects out of the garbage collector's way.

Python's full (generation 2) collections walk every container object the process holds.
A bot or worker process holds a few hundred thousand from the start that never die:
modules (aiogram's and pydantic's models alone are ~160,000 objects), the config, the
region tables, word lists and message catalogs. Walking them took 130-350 ms per full
collection, several times a minute under load, and the process answered nothing
meanwhile (a worker's batch of 500 messages stalled 0.2-0.4 s). `settle()` collects once
and freezes what is left (`gc.freeze`): those objects are never examined again, and full
collections look only at what updates and jobs create later.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect, then move every object alive now out of the collector's sight; returns
    how many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
