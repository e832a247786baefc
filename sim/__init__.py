"""regsim: an agent-based simulator of AI regulation.

Layers (dependencies point downwards only):
- ``sim.cli``: the ``regsim`` command, thin wrappers around library functions;
- ``sim.presentation``: plots, console tables;
- ``sim.experiments``: seeds, the replicate runner, statistics, results folders;
- ``sim.scenario``: the scenario language (schema, loading, ``extends``, ``--set``);
- ``sim.model``: the Mesa model (agents, model registry, ecosystem, policies).
"""

__version__ = "0.1.0"
