"""The progress of long commands (sweep, compare, run, check) on stderr:
`sim.presentation.progress` (a bar on a terminal, a line per 10% in Jupyter or a log file)."""

from __future__ import annotations

from sim.presentation.progress import is_terminal, progress_bar

__all__ = ["is_terminal", "progress_bar"]
