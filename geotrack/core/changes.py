"""Change tokens: each moves whenever the data of its topic changes.

Open maps and dashboards poll a token (ETag/304), and caches of expensive aggregates
are keyed by the tokens of the topics they summarise, so a cached answer is never older
than its data. Each app registers the cheap SQL that tells its topic's state (a few
index lookups) when it starts; this module knows no app.

Topics are kept apart so that what changes often (camera heartbeats and snapshots)
does not throw away what does not depend on it (project aggregates, cluster tiles).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from geotrack.core.sql import Sql

# topic -> functions returning a Sql expression (one scalar) that moves when the topic changes
_SOURCES: dict[str, list[Callable[[], Sql]]] = {}


def register_change_source(topic: str, source: Callable[[], Sql]) -> None:
    """Add a scalar SQL expression whose value moves when `topic` changes (called from AppConfig.ready)."""
    sources = _SOURCES.setdefault(topic, [])
    if source not in sources:
        sources.append(source)


def topics() -> list[str]:
    return sorted(_SOURCES)


def change_version(which: Iterable[str] | None = None) -> str:
    """Return the token of some topics (all by default), in one statement of a few index lookups."""
    chosen = sorted(which) if which is not None else topics()
    pieces = [source() for topic in chosen for source in _SOURCES.get(topic, [])]
    if not pieces:
        return "0"
    statement = Sql("SELECT {values}").format(values=Sql.join(", ", (Sql("({v})").format(v=p) for p in pieces)))
    # Every cached page and polled map asks this before anything else: prepared, it is not planned again.
    state = (chosen, statement.fetchone(prepare=True))
    return hashlib.blake2b(repr(state).encode(), digest_size=10).hexdigest()
