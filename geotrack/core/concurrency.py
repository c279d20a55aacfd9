"""A few slots for work that must not pile up (synchronous exports), shared by every process.

Each slot is a PostgreSQL session advisory lock: taken without waiting, released when the work
ends or when the process's connection goes away (a crash frees its slot).
"""
from __future__ import annotations

import zlib
from contextlib import contextmanager

from geotrack.core.sql import Sql


class NoFreeSlot(Exception):
    """Every slot of this kind is taken."""


@contextmanager
def slot(name: str, count: int):
    """Hold one of `count` slots named `name` while the block runs; raise NoFreeSlot when none is free."""
    group = zlib.crc32(name.encode()) & 0x7FFFFFFF
    taken = None
    for number in range(count):
        if Sql("SELECT pg_try_advisory_lock(%(group)s, %(number)s)", {"group": group, "number": number}).value():
            taken = number
            break
    if taken is None:
        raise NoFreeSlot(name)
    try:
        yield taken
    finally:
        Sql("SELECT pg_advisory_unlock(%(group)s, %(number)s)", {"group": group, "number": taken}).value()
