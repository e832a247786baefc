"""The rendered payloads of results, kept so a result shown before is sent again ready-made.

Moving a lever back to a setting already computed (or to a neighbour the background computed)
used to rebuild every chart's ECharts option, its JSON and its caption from the draws: most of
the server's time for a cached answer. A chart's payload is a function of the chart, the
result's key (the scenarios and draws it shows: `sim.dashboard.app.Request.key`, with the
number of draws in for a partial answer), the months shown and how it is drawn; it is kept
here under exactly those, shared by every page of the server (the same key shows the same
numbers on every screen). Least recently used payloads are dropped beyond `PAYLOADS`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

PAYLOADS = 1200
"""Payloads kept (a chart's option, its JSON or its caption: three per chart and month shown):
about 40 lever settings of 10 charts over the whole horizon, ~0.6 MB each (measured with
tracemalloc on the bundled baseline), so ~25 MB at most."""

T = TypeVar("T")


class PayloadCache:
    """A thread-safe least-recently-used map from a payload's key to the payload (every page
    of the server renders in its own thread)."""

    def __init__(self, size: int = PAYLOADS) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.built = 0
        """Payloads built so far (cache misses), for tests."""

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The payload under `key`, built by `build()` (outside the lock) if not kept."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self.built += 1
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


payloads = PayloadCache()
"""The server's one payload cache."""
