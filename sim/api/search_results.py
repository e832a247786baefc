"""The result of `sim.search`: a policy search's folder read back as tables and figures."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import pandas as pd

from sim.api.results import FolderTables, copy_folder

SEARCH_PLOTS = ("tradeoff", "parallel", "convergence")


class SearchResults(FolderTables):
    """A finished policy search (`sim.search`, or a search folder).

    - `candidates`: every candidate evaluated: `generation` (-1 for a reference policy),
      `reference` (its name), `label`, one column per lever, `score__KEY` per objective (in
      the outcome's units for mean and percentile, its units of shortfall for regret, a share
      0..1 for satisfice), `infeasible_runs` and `pareto`;
    - `pareto`: the rows of `candidates` in the trade-off (Pareto) set;
    - `convergence`: hypervolume per generation; `held`: the Pareto set re-scored on fresh
      futures (scores on the search and fresh futures, whether each stays non-dominated);
    - `runs`: every run (candidate x future) with its outcomes; `futures`: each future's
      seed and drawn values; `summary`: settings and counts (a dict).
    """

    @functools.cached_property
    def summary(self) -> dict[str, Any]:
        from sim.api.readers import read_json

        return read_json(self.folder / "summary.json")

    @functools.cached_property
    def candidates(self) -> pd.DataFrame:
        return self._table("candidates.csv")

    @property
    def pareto(self) -> pd.DataFrame:
        table = self.candidates
        return table[table["pareto"].astype(str).str.lower() == "true"]

    @functools.cached_property
    def convergence(self) -> pd.DataFrame:
        return self._table("convergence.csv")

    @functools.cached_property
    def held(self) -> pd.DataFrame:
        return self._table("held.csv")

    @functools.cached_property
    def runs(self) -> pd.DataFrame:
        return self._table("runs.csv")

    @functools.cached_property
    def futures(self) -> pd.DataFrame:
        return self._table("futures.csv")

    def plot(self, name: str = "tradeoff"):
        """One of the search's figures as a matplotlib Figure: tradeoff (a scatter matrix of
        the scores), parallel (parallel coordinates) or convergence (hypervolume)."""
        from sim.plots import search as search_plots

        if name not in SEARCH_PLOTS:
            raise ValueError(f"plot: expected one of {', '.join(SEARCH_PLOTS)}, found "
                             f"{name!r:.40}")
        if name == "convergence":
            return search_plots.convergence_figure(self.convergence)
        return getattr(search_plots, f"{name}_figure")(self.candidates,
                                                       self.summary["settings"])

    def save(self, folder: str | os.PathLike[str], force: bool = False) -> Path:
        """Copy the search's folder (what `regsim search` writes) to `folder`."""
        return copy_folder(self.folder, folder, force)

    def __repr__(self) -> str:
        settings = self.summary.get("settings", {})
        return (f"<SearchResults {len(self.pareto)} in the Pareto set of "
                f"{self.summary.get('candidates')} candidates x {settings.get('futures')} "
                f"futures ({settings.get('measure')})>")

