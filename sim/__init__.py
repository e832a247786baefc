"""regsim: an agent-based simulator of AI regulation.

The Python API (`sim.api`, documented in docs/python.md)::

    import sim
    result = sim.run("kill_switch", replicates=10, seed=1)
    result.outcomes

- `sim.load(scenario, set={...})`: a validated scenario (a bundled name, a path or a Scenario);
- `sim.run(...)`: a scenario's replicates, with `.timeseries`, `.summaries`, `.outcomes`,
  `.events`, `.plot(name)` and `.save(folder)`;
- `sim.compare(baseline, *policies, ...)`: paired differences and verdicts;
- `sim.sweep(...)`: runs, points and sensitivity of a design;
- `sim.discover(...)`, `sim.robustness(...)`: scenario discovery and robustness of a sweep;
- `sim.search(...)`: the trade-off (Pareto) set of lever settings over sampled futures;
- `sim.open(folder)`: any results folder read back;
- `sim.ScenarioError`: what bad scenario input raises.

Layers (dependencies point downwards only):
- ``sim.cli`` and ``sim.api``: the ``regsim`` command and the Python API, thin layers over
  the library;
- ``sim.presentation``: plots, console tables, the brief, the dashboard;
- ``sim.analysis``: scenario discovery and robustness of sweep results;
- ``sim.experiments``: seeds, the replicate runner, statistics, results folders;
- ``sim.scenario``: the scenario language (schema, loading, ``extends``, ``--set``);
- ``sim.model``: the Mesa model (agents, model registry, ecosystem, policies).

``import sim`` imports none of Mesa, pandas or matplotlib: each function imports what it needs.
"""

from typing import Any

from sim.api import compare, discover, load, robustness, run, search, sweep
from sim.api import open_results as open  # noqa: A001 (sim.open reads a results folder)

__version__ = "0.1.0"
__all__ = ["ScenarioError", "compare", "discover", "load", "open", "robustness", "run",
           "search", "sweep"]


def __getattr__(name: str) -> Any:
    """`sim.ScenarioError`, imported on first use (it brings pydantic)."""
    if name == "ScenarioError":
        from sim.scenario.errors import ScenarioError

        return ScenarioError
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
