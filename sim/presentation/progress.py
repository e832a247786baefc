"""Progress of long work (sweeps, comparisons, searches): runs done, rate and time left.

Where it shows:
- on a terminal: click's progress bar on stderr, redrawn in place;
- in Jupyter (an IPython kernel is running) or when stderr is a log file (`2> sweep.log`):
  one line every `LOG_EVERY_PERCENT` of the runs (`sweep: 30/100 runs (30%), 12 s, about
  28 s left`), since a bar redrawn in place is unreadable there;
- nowhere else (a pipe read by another program, a test runner's captured stream), so
  scripts that parse stderr see only warnings and errors.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

LOG_EVERY_PERCENT = 10
"""A progress line per this share of the runs (percent) off a terminal."""


@contextmanager
def progress_bar(length: int, label: str, show: bool,
                 stream: TextIO | None = None) -> Iterator[Callable[[int], None]]:
    """A callable advancing the progress of `length` runs by its argument (module docstring
    says where it shows); a no-op when `show` is false."""
    stream = stream or sys.stderr
    if not show or length <= 0:
        yield lambda steps: None
    elif is_terminal(stream):
        import click

        with click.progressbar(length=length, label=label, show_eta=True, show_pos=True,
                               file=stream) as bar:
            yield bar.update
    elif in_notebook() or is_log_file(stream):
        yield LogLines(length, label, stream)
    else:
        yield lambda steps: None


class LogLines:
    """Writes a progress line each time another `every_percent` of the runs is done."""

    def __init__(self, length: int, label: str, stream: TextIO,
                 every_percent: int = LOG_EVERY_PERCENT) -> None:
        self.length, self.label, self.stream = length, label, stream
        self.every = max(1, int(every_percent))
        self.done, self.shown = 0, 0
        self.started = time.monotonic()

    def __call__(self, steps: int) -> None:
        self.done = min(self.length, self.done + int(steps))
        reached = self.done * 100 // self.length // self.every
        if reached > self.shown:
            self.shown = reached
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        left = elapsed * (self.length - self.done) / self.done if self.done else float("nan")
        tail = f", about {left:.0f} s left" if self.done < self.length else ", done"
        return (f"{self.label}: {self.done}/{self.length} runs "
                f"({self.done * 100 // self.length}%), {elapsed:.0f} s{tail}")


def is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):  # a closed stream
        return False


def is_log_file(stream: object) -> bool:
    """Whether `stream` writes to a regular file (stderr redirected to a log)."""
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


def in_notebook() -> bool:
    """Whether this process is an IPython kernel (Jupyter): its stderr shows in the cell."""
    kernel = sys.modules.get("ipykernel")
    if kernel is None:
        return False
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"
