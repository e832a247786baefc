"""Setting up a policy search on a scenario: its levers, objectives, futures and reference
policies, every input checked before anything runs (`regsim search` and `sim.search`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.analysis.search import Futures, SearchSettings, make_futures
from sim.analysis.search_spec import (
    SearchSpecError,
    check_outcomes,
    parse_measure,
    parse_objectives,
)
from sim.experiments.design import LEVER, Parameter, check_parameters, parameters_from_spec
from sim.experiments.models import ScenarioModel

SCENARIO_REFERENCE = "scenario as written"
"""The name of the reference policy that keeps every lever at the scenario's own value."""
PROBE_MONTHS, PROBE_ADOPTERS = 1, 10
"""The probe run that lists a scenario's outcomes: one month, ten adopters (its outcome
keys are those of any run of the scenario; its values are never used)."""


@dataclass(frozen=True)
class PreparedSearch:
    """What `create_search` needs: the model, settings, futures and reference policies."""

    model: ScenarioModel
    settings: SearchSettings
    futures: Futures
    references: dict[str, dict[str, Any]]


def search_levers(scenario: Any, levers: Sequence[Parameter]) -> tuple[tuple[Parameter, ...],
                                                                        str]:
    """The levers given (`--lever`), else the scenario's `[sweep]` levers; and where they
    came from. SearchSpecError if there are none."""
    if levers:
        return tuple(levers), "--lever"
    spec = scenario.sweep
    found = tuple(p for p in parameters_from_spec(spec) if p.kind == LEVER) if spec else ()
    if not found:
        raise SearchSpecError("no levers to search: the scenario has no [sweep] levers; give "
                              "--lever KEY=LO:HI or --lever KEY=V1,V2")
    return found, "[sweep]"


def prepare_search(scenario: Any, raw: dict[str, Any], levers: Sequence[Parameter],
                   objectives: Sequence[str], measure: str, sizes: Mapping[str, Any],
                   seed: int, fresh_seed: int | None = None,
                   references: Mapping[str, Mapping[str, Any]] | None = None
                   ) -> PreparedSearch:
    """Check everything and build the search of `scenario` (validated; `raw` its TOML dict).

    `references` are named policies to evaluate with the search and mark on its plots (name
    -> lever key -> value; a lever not given keeps the scenario's value), besides the scenario
    as written. Raises ScenarioError for a lever key or value the scenario rejects,
    SearchSpecError (a ValueError) for a bad objective, measure, size, lever or reference.
    """
    from sim.experiments.uncertainty import declared

    chosen, source = search_levers(scenario, levers)
    for lever in chosen:
        if not lever.is_range and not lever.values:
            raise SearchSpecError(f"{source}: {lever.key}: expected options or a range")
        if lever.is_range and not all(isinstance(v, int | float) and not isinstance(v, bool)
                                      for v in (lever.low, lever.high)):
            raise SearchSpecError(f"{source}: {lever.key}: a range needs numbers at both ends")
    check_parameters(raw, chosen, source)
    parsed_measure = parse_measure(measure)
    parsed = parse_objectives(objectives, parsed_measure)
    check_outcomes(parsed, scenario_outcomes(raw))
    settings = SearchSettings(levers=chosen, objectives=parsed, measure=parsed_measure,
                              seed=seed, fresh_seed=fresh_seed, **dict(sizes))
    uncertain = [p for p in declared(scenario) if p.key not in {lever.key for lever in chosen}]
    futures = make_futures(settings, uncertain)
    _check_draws(raw, futures)
    own = scenario_values(raw, chosen)
    named = {SCENARIO_REFERENCE: own}
    for name, values in (references or {}).items():
        named[str(name)] = {**own, **_checked_reference(raw, chosen, str(name), values)}
    return PreparedSearch(ScenarioModel(raw), settings, futures, named)


def parse_reference(text: str) -> tuple[str, str, Any]:
    """One `--reference 'NAME:KEY=VALUE'` as (name, key, value); SearchSpecError."""
    from sim.scenario.overrides import parse_value

    name, colon, setting = str(text).partition(":")
    key, equals, value = setting.partition("=")
    if not (colon and equals and name.strip() and key.strip() and value.strip()):
        raise SearchSpecError(f"--reference: expected 'NAME:KEY=VALUE', found {text[:80]!r}")
    try:
        return name.strip(), key.strip(), parse_value(value.strip())
    except ValueError:
        raise SearchSpecError(f"--reference {name.strip()[:40]}: {key.strip()[:80]}: expected "
                              f"a TOML value or a bare word, found {value[:40]!r}") from None


def _checked_reference(raw: Mapping[str, Any], levers: Sequence[Parameter], name: str,
                       values: Mapping[str, Any]) -> dict[str, Any]:
    """A reference's lever values, each a lever of the search that the scenario accepts."""
    from sim.experiments.design import probe_problems
    from sim.scenario.errors import ScenarioError

    if name == SCENARIO_REFERENCE or not name or len(name) > 100:
        raise SearchSpecError(f"--reference: a name of 1 to 100 characters other than "
                              f"{SCENARIO_REFERENCE!r}, found {name[:40]!r}")
    keys = [lever.key for lever in levers]
    problems = []
    for key, value in values.items():
        if key not in keys:
            raise SearchSpecError(f"--reference {name}: {key[:80]} is not a lever of the "
                                  f"search (levers: {', '.join(keys)})")
        problems += probe_problems(raw, key, value, "--reference")
    if problems:
        raise ScenarioError(problems)
    return dict(values)


def scenario_outcomes(raw: Mapping[str, Any]) -> list[str]:
    """The outcome keys a run of the scenario reports (from a one-month probe run)."""
    from sim.experiments.runner import run_replicate

    probe = ScenarioModel(raw).scenario({"scenario.months": PROBE_MONTHS,
                                         "world.ecosystem.adopters": PROBE_ADOPTERS})
    return list(run_replicate(probe, 0, timeseries=False).summary)


def scenario_values(raw: Mapping[str, Any], levers: Sequence[Parameter]) -> dict[str, Any]:
    """Each lever's value in the scenario as written (`--set` keys read back), skipping a
    lever the scenario leaves at the schema's default (not written in the file)."""
    values = {}
    for lever in levers:
        found = read_key(raw, lever.key)
        if found is not _MISSING:
            values[lever.key] = found
    return values


_MISSING = object()


def read_key(raw: Mapping[str, Any], key: str) -> Any:
    """The value at a dotted `--set` key (named entries addressed by name), or _MISSING."""
    from sim.scenario.overrides import entry_name, is_named_array

    node: Any = raw
    path: tuple[str, ...] = ()
    for segment in key.split("."):
        if isinstance(node, list) and is_named_array(path):
            node = next((e for e in node if entry_name(e, path) == segment), _MISSING)
        elif isinstance(node, Mapping):
            node = node.get(segment, _MISSING)
        else:
            return _MISSING
        if node is _MISSING:
            return _MISSING
        path = (*path, segment)
    return node


def _check_draws(raw: Mapping[str, Any], futures: Futures) -> None:
    """ScenarioError if a draw makes the scenario invalid (the first and last of each set:
    the ranges' ends, as a sweep checks them)."""
    from sim.experiments.uncertainty import with_values

    draws = list(futures.draws)
    for values in {0: draws[0], 1: draws[-1]}.values() if draws else ():
        with_values(raw, values, "[uncertainty]")
