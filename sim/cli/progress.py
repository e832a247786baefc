"""The progress bar of long commands (sweep, compare): runs done, rate and ETA, on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click


@contextmanager
def progress_bar(length: int, label: str, show: bool) -> Iterator[Callable[[int], None]]:
    """A callable advancing a bar of `length` runs on stderr: a no-op when `show` is false or
    stderr is not a terminal (a log file or a pipe would collect a stray label line)."""
    if not show or length <= 0 or not _is_terminal(sys.stderr):
        yield lambda steps: None
        return
    with click.progressbar(length=length, label=label, show_eta=True, show_pos=True,
                           file=sys.stderr) as bar:
        yield bar.update


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):  # a closed stream
        return False
