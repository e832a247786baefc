"""Experiment designs: parameters (uncertainties and levers), samplers, and design points.

Vocabulary from EMA Workbench: an *uncertainty* is something the analyst cannot control (a
theft hazard, algorithmic progress), a *lever* is a policy knob (a kill-switch threshold, a
security level). Each parameter is a `--set` key path with either a list of options or a
`[low, high]` range (linear or log scale; integer endpoints give integer samples).

Samplers (`SAMPLERS`), and what `samples` means for each:

- `grid`: full factorial; every range takes `samples` evenly spaced levels (default 5).
- `lhs`: a Latin hypercube of `samples` points (default 50) over the uncertainties and the
  range-valued levers, crossed with every combination of the list-valued levers, so that each
  policy option faces the same futures (EMA Workbench's policies x scenarios).
- `sobol`: Saltelli's sample for first- and total-order Sobol indices, base size `samples`
  (a power of 2, default 64), `samples x (parameters + 2)` points; every parameter joint.
- `morris`: `samples` trajectories (default 10) of `parameters + 1` points on a 4-level grid
  for Morris elementary effects; every parameter joint.

Sampling happens in the unit hypercube (SALib draws it, seeded from the experiment's root
seed); each parameter maps a unit coordinate to its value. The design is computed once by the
parent and stored with the results, so a resumed sweep runs exactly the same points.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.scenario.errors import Problem, ScenarioError, short_repr

SAMPLERS = ("grid", "lhs", "sobol", "morris")
DEFAULT_SAMPLES = {"grid": 5, "lhs": 50, "sobol": 64, "morris": 10}
MORRIS_LEVELS = 4
"""Grid levels of Morris trajectories (SALib's default)."""
UNCERTAINTY, LEVER = "uncertainty", "lever"
RESERVED_KEYS = ("scenario.seed", "scenario.replicates", "sweep")
"""Keys a design may not set: seeds and replicates belong to the experiment itself."""
DESIGN_SEED_STREAM = 0x5EED_DE51
"""Mixed into the root seed to seed the sampler, apart from the replicate seeds."""

_NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
_RANGE_TEXT = re.compile(rf"^(?P<low>{_NUMBER}):(?P<high>{_NUMBER})(:(?P<scale>linear|log))?$")


@dataclass(frozen=True)
class Parameter:
    """One swept key: `values` (options, in order) or a `low`..`high` range on `scale`.

    `kind` is "uncertainty" or "lever". Units are those of the scenario key.
    """

    key: str
    kind: str = UNCERTAINTY
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    scale: str = "linear"

    @property
    def is_range(self) -> bool:
        return not self.values

    @property
    def is_integer(self) -> bool:
        """An integer range: both ends are integers and the scale is linear."""
        return (
            self.is_range and self.scale == "linear"
            and isinstance(self.low, int) and isinstance(self.high, int)
        )

    def from_unit(self, unit: float) -> Any:
        """The value at unit coordinate `unit` in [0, 1]."""
        unit = min(max(float(unit), 0.0), 1.0)
        if not self.is_range:
            return self.values[min(int(unit * len(self.values)), len(self.values) - 1)]
        low, high = float(self.low), float(self.high)  # type: ignore[arg-type]
        if self.is_integer:
            return int(min(math.floor(low + unit * (high - low + 1)), high))
        if self.scale == "log":
            return float(low * (high / low) ** unit)
        return float(low + unit * (high - low))

    def position(self, value: Any) -> float:
        """Where `value` lies in this parameter's span, from 0 (low/first) to 1 (high/last)."""
        if not self.is_range:
            index = next(i for i, option in enumerate(self.values) if option == value)
            return index / (len(self.values) - 1) if len(self.values) > 1 else 0.5
        low, high = float(self.low), float(self.high)  # type: ignore[arg-type]
        if self.scale == "log":
            return math.log(float(value) / low) / math.log(high / low)
        return (float(value) - low) / (high - low)

    def levels(self, count: int) -> list[Any]:
        """The options, or `count` evenly spaced values of the range (for a full factorial)."""
        if not self.is_range:
            return list(self.values)
        low, high = float(self.low), float(self.high)  # type: ignore[arg-type]
        if count == 1:
            return [self.from_unit(0.5)]
        if self.is_integer:
            return sorted({int(round(v)) for v in np.linspace(low, high, count)})
        spaced = np.geomspace(low, high, count) if self.scale == "log" else np.linspace(
            low, high, count)
        return [float(v) for v in spaced]

    def probe_values(self) -> list[Any]:
        """The values to check against the scenario schema: every option, or both ends."""
        return list(self.values) if self.values else [self.low, self.high]

    def describe(self) -> dict[str, Any]:
        """A JSON-able description (for manifests and `design.json`)."""
        described: dict[str, Any] = {"key": self.key, "kind": self.kind}
        if self.values:
            described["values"] = list(self.values)
        else:
            described.update(low=self.low, high=self.high, scale=self.scale)
        return described

    @classmethod
    def from_description(cls, described: Mapping[str, Any]) -> Parameter:
        """The inverse of `describe`."""
        return cls(
            key=described["key"], kind=described["kind"],
            values=tuple(described.get("values") or ()), low=described.get("low"),
            high=described.get("high"), scale=described.get("scale", "linear"),
        )


@dataclass(frozen=True)
class Design:
    """The points of an experiment, in order (point id = index).

    `unit` holds the sampler's unit-hypercube matrix (one row per point, one column per
    parameter) for samplers whose indices need it (sobol, morris), else None.
    """

    parameters: tuple[Parameter, ...]
    sampler: str
    samples: int
    seed: int
    points: tuple[tuple[Any, ...], ...]
    unit: np.ndarray | None = field(default=None, compare=False)

    @property
    def keys(self) -> list[str]:
        return [parameter.key for parameter in self.parameters]

    def __len__(self) -> int:
        return len(self.points)

    def values(self, point_id: int) -> dict[str, Any]:
        """The design values of one point, by key."""
        return dict(zip(self.keys, self.points[point_id], strict=True))

    def salib_problem(self) -> dict[str, Any]:
        """SALib's problem dict over the unit hypercube (values are mapped per parameter)."""
        return {"num_vars": len(self.parameters), "names": self.keys,
                "bounds": [[0.0, 1.0]] * len(self.parameters)}

    def describe(self) -> dict[str, Any]:
        """Everything needed to rebuild the design exactly (see `design_from_description`)."""
        return {
            "sampler": self.sampler, "samples": self.samples, "seed": self.seed,
            "parameters": [parameter.describe() for parameter in self.parameters],
            "points": [list(point) for point in self.points],
            "unit": None if self.unit is None else self.unit.tolist(),
        }


def low_to_high(parameter: Parameter) -> list[Any]:
    """A list parameter's options from its low end to its high end, for the tornado chart:
    `false` (off, the lenient setting) before `true` (on, the strict one), numbers ascending,
    anything else (names of modes) in the order typed."""
    options = list(parameter.values)
    if all(isinstance(v, bool) for v in options):
        return sorted(options)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in options):
        return sorted(options)
    return options


def swing_position(parameter: Parameter, value: Any) -> float:
    """Where `value` lies from the parameter's low end (0) to its high end (1): on its scale
    for a range, by `low_to_high` order for a list of options."""
    if parameter.is_range:
        return parameter.position(value)
    ordered = low_to_high(parameter)
    index = next(i for i, option in enumerate(ordered) if option == value
                 and isinstance(option, bool) == isinstance(value, bool))
    return index / (len(ordered) - 1) if len(ordered) > 1 else 0.5


FUTURE_ID = "future_id"
"""The column of points.csv and runs.csv naming the future a design point (or run) faces."""


def future_ids(design: Design) -> list[int]:
    """The future each design point faces: the index of its uncertainty values (every
    parameter that is not a lever) among the design's distinct ones, in order of first
    appearance. In a crossed design (grid, or lhs with levers as lists of options) every lever
    combination faces the same futures, so points with equal ids pair lever settings on the
    same future; a design with no uncertainties has one future, 0.

    A run faces the future of its point *and* its replicate (the replicate's seed and drawn
    `--uncertainty` values are the same at every point): `run_future_id`.
    """
    columns = [i for i, p in enumerate(design.parameters) if p.kind != LEVER]
    ids: dict[str, int] = {}
    result = []
    for point in design.points:
        key = json.dumps([point[i] for i in columns], sort_keys=True, default=str)
        result.append(ids.setdefault(key, len(ids)))
    return result


def run_future_id(point_future_id: int, replicate: int, replicates: int) -> int:
    """The future a run faces: its point's future and its replicate, numbered
    `point_future_id * replicates + replicate`."""
    return int(point_future_id) * int(replicates) + int(replicate)


def design_from_description(described: Mapping[str, Any]) -> Design:
    """The design stored by `Design.describe` (e.g. read back from `design.json`)."""
    unit = described.get("unit")
    parameters = tuple(Parameter.from_description(p) for p in described["parameters"])
    points = tuple(tuple(point) for point in described["points"])
    return Design(
        parameters=parameters, sampler=described["sampler"], samples=described["samples"],
        seed=described["seed"], points=points,
        unit=None if unit is None else np.asarray(unit, dtype=float),
    )


# Building designs --------------------------------------------------------------------------


def make_design(
    parameters: Sequence[Parameter], sampler: str, samples: int | None = None,
    root_seed: int = 0,
) -> Design:
    """The design points of `parameters` under `sampler` (see the module docstring).

    Raises ValueError for an unknown sampler, no parameters, or a bad `samples`.
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
    if not parameters:
        raise ValueError("the design has no parameters: give --param/--lever or a [sweep] table")
    keys = [p.key for p in parameters]
    if len(set(keys)) != len(keys):
        raise ValueError(f"a key is swept twice: {sorted(k for k in keys if keys.count(k) > 1)}")
    samples = DEFAULT_SAMPLES[sampler] if samples is None else int(samples)
    if samples < 1:
        raise ValueError(f"samples must be at least 1, found {samples}")
    if sampler == "sobol" and samples & (samples - 1):
        raise ValueError(f"sobol needs samples to be a power of 2 (e.g. 64), found {samples}")
    seed = design_seed(root_seed)
    parameters = tuple(parameters)
    if sampler == "grid":
        points, unit = _grid(parameters, samples), None
    elif sampler == "lhs":
        points, unit = _crossed_lhs(parameters, samples, seed), None
    else:
        unit = _salib_unit_sample(parameters, sampler, samples, seed)
        points = tuple(_map_row(parameters, row) for row in unit)
    return Design(parameters, sampler, samples, seed, points, unit)


def design_seed(root_seed: int) -> int:
    """The sampler's seed: derived from the root seed, apart from the replicate seeds."""
    sequence = np.random.SeedSequence([int(root_seed), DESIGN_SEED_STREAM])
    return int(sequence.generate_state(1, np.uint32)[0])


def _map_row(parameters: Sequence[Parameter], row: Sequence[float]) -> tuple[Any, ...]:
    return tuple(p.from_unit(u) for p, u in zip(parameters, row, strict=True))


def _grid(parameters: Sequence[Parameter], levels: int) -> tuple[tuple[Any, ...], ...]:
    return tuple(itertools.product(*(p.levels(levels) for p in parameters)))


def _crossed_lhs(
    parameters: Sequence[Parameter], samples: int, seed: int
) -> tuple[tuple[Any, ...], ...]:
    """A Latin hypercube over the sampled parameters, crossed with the list-valued levers."""
    from SALib.sample import latin

    crossed = [i for i, p in enumerate(parameters) if p.kind == LEVER and not p.is_range]
    sampled = [i for i in range(len(parameters)) if i not in crossed]
    futures: list[tuple[Any, ...]] = [()]
    if sampled:
        problem = {"num_vars": len(sampled), "names": [parameters[i].key for i in sampled],
                   "bounds": [[0.0, 1.0]] * len(sampled)}
        unit = latin.sample(problem, samples, seed=seed)
        futures = [_map_row([parameters[i] for i in sampled], row) for row in unit]
    options = list(itertools.product(*(parameters[i].values for i in crossed)))
    points = []
    for option in options:
        for future in futures:
            point: list[Any] = [None] * len(parameters)
            for index, value in zip(crossed, option, strict=True):
                point[index] = value
            for index, value in zip(sampled, future, strict=True):
                point[index] = value
            points.append(tuple(point))
    return tuple(points)


def _salib_unit_sample(
    parameters: Sequence[Parameter], sampler: str, samples: int, seed: int
) -> np.ndarray:
    problem = {"num_vars": len(parameters), "names": [p.key for p in parameters],
               "bounds": [[0.0, 1.0]] * len(parameters)}
    if sampler == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, samples, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=seed)


# Reading parameters from a [sweep] table or the command line ---------------------------------


def parameters_from_spec(spec: Any) -> list[Parameter]:
    """The parameters of a validated `[sweep]` table (`sim.scenario.schema.SweepSpec`):
    uncertainties first, then levers, each in file order."""
    parameters = []
    for kind, table in ((UNCERTAINTY, spec.uncertainties), (LEVER, spec.levers)):
        for key, swept in table.items():
            parameters.append(
                Parameter(key=key, kind=kind, values=tuple(swept.values or ()), low=swept.low,
                          high=swept.high, scale=swept.scale)
            )
    return parameters


def parse_param_option(text: str, kind: str = UNCERTAINTY) -> Parameter:
    """A `--param`/`--lever` option: `KEY=V1,V2,...`, `KEY=LO:HI`, `KEY=LO:HI:log`, or
    `KEY=[V1, V2]` (a TOML array of options, for options that are arrays themselves).

    Each V is a TOML literal or a bare word, as in `--set`. Raises ValueError with a message
    naming the problem.
    """
    from sim.scenario.overrides import parse_value

    key, equals, value_text = (part.strip() for part in text.partition("="))
    if not equals or not key or not value_text:
        raise ValueError(f"expected KEY=V1,V2,... or KEY=LO:HI, found {short_repr(text)}")
    matched = _RANGE_TEXT.match(value_text)
    if matched:
        low, high = parse_value(matched["low"]), parse_value(matched["high"])
        return _checked_range(key, kind, low, high, matched["scale"] or "linear")
    try:
        if value_text.startswith("["):
            values = parse_value(value_text)
        else:
            values = [parse_value(part.strip()) for part in value_text.split(",")]
    except ValueError:
        raise ValueError(f"{key}: each value must be a TOML literal or a bare word, found "
                         f"{short_repr(value_text)}") from None
    if not isinstance(values, list) or not values:
        raise ValueError(f"{key}: expected at least one value, found {short_repr(value_text)}")
    return Parameter(key=key, kind=kind, values=tuple(values))


def _checked_range(key: str, kind: str, low: Any, high: Any, scale: str) -> Parameter:
    if not low < high:
        raise ValueError(f"{key}: low must be below high, found {low}:{high}")
    if scale == "log" and low <= 0:
        raise ValueError(f"{key}: a log range needs low > 0, found {low}")
    return Parameter(key=key, kind=kind, low=low, high=high, scale=scale)


# Checking parameters against a scenario -------------------------------------------------------


def check_parameters(
    raw: Mapping[str, Any], parameters: Sequence[Parameter], source: str
) -> None:
    """Raise ScenarioError if a parameter's key or values do not fit the scenario.

    Every option (or both ends of a range) is applied to `raw`, one at a time, and the result
    validated, so an unknown key, an unknown agent name or an out-of-bounds value is reported
    before anything runs, naming the key; `source` ("[sweep]", "--param") labels the problems.
    """
    problems: list[Problem] = []
    for parameter in parameters:
        problems += _reserved_problem(parameter, source)
        for value in parameter.probe_values():
            problems += probe_problems(raw, parameter.key, value, source)
    if problems:
        raise ScenarioError(problems)


def _reserved_problem(parameter: Parameter, source: str) -> list[Problem]:
    key = parameter.key
    if any(key == reserved or key.startswith(reserved + ".") for reserved in RESERVED_KEYS):
        return [Problem(source, key, message="cannot be swept",
                        hint="seeds and replicates are set by the experiment (--seed, "
                             "--replicates)")]
    return []


def probe_problems(raw: Mapping[str, Any], key: str, value: Any, source: str) -> list[Problem]:
    """Problems with setting `key` to `value` in the scenario `raw` (none if it validates)."""
    from sim.scenario.loader import validate_resolved
    from sim.scenario.overrides import apply_overrides

    changed, problems = apply_overrides(dict(raw), [override_text(key, value)])
    if problems:
        return [_relabel(problem, source) for problem in problems]
    try:
        validate_resolved(changed, source)  # the rules of a file, unique names included
    except ScenarioError as error:
        return [_relabel(problem, source) for problem in error.problems]
    return []


def _relabel(problem: Problem, source: str) -> Problem:
    return Problem(source, problem.key, problem.expected, problem.found, problem.hint,
                   problem.message)


def override_text(key: str, value: Any) -> str:
    """`key=VALUE` with VALUE as a TOML literal, as `--set` reads it (exact for floats)."""
    return f"{key}={toml_literal(value)}"


def toml_literal(value: Any) -> str:
    """A value written as a one-line TOML literal (`1e+25`, `"open"`, `[3, 6]`, `true`);
    floats are written exactly (their shortest round-trip form)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _toml_float(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_literal(item) for item in value) + "]"
    if isinstance(value, Mapping):
        items = ", ".join(f"{_toml_key(k)} = {toml_literal(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as a TOML value: {value!r}")


def _toml_float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def _toml_key(key: Any) -> str:
    key = str(key)
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def point_overrides(design: Design, point_id: int) -> list[str]:
    """The `--set` strings that turn the base scenario into design point `point_id`."""
    return [override_text(key, value) for key, value in design.values(point_id).items()]
