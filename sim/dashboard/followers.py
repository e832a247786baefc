"""Pages that follow a shared object (a game's room, a projector's frame): each page subscribes a
quick, thread-safe listener that schedules its redraw, and every change calls them all."""

from __future__ import annotations

import threading
from collections.abc import Callable

Listener = Callable[[], None]
"""Called after each change: quick and thread-safe (it schedules a page's redraw)."""


class Followed:
    """A shared object with a lock and the listeners of the pages that follow it."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._listeners: dict[str, Listener] = {}

    def subscribe(self, key: str, listener: Listener) -> Callable[[], None]:
        """Call `listener` after each change (one per `key`: a page resubscribing replaces its
        listener); returns the unsubscribe function."""
        with self._lock:
            self._listeners[key] = listener

        def unsubscribe() -> None:
            with self._lock:
                self._listeners.pop(key, None)

        return unsubscribe

    def _notify(self) -> None:
        with self._lock:
            targets = list(self._listeners.values())
        for listener in targets:
            try:
                listener()
            except Exception:  # noqa: BLE001 - a closed page must not stop the others' updates
                continue
