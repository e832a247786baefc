"""Fuzzing resolved scenarios: a file regsim accepts runs, and one it refuses is refused cleanly.

Each example takes a bundled scenario resolved through its `extends` chain (a complete world,
not a file that is incomplete on its own), mutates it — a number replaced by an extreme,
boundary or random value, a key dropped, an agent duplicated or renamed onto another, a value
of the wrong type — writes it as TOML and loads it as any scenario file. Then either loading
raises a clean ScenarioError (and `regsim validate` exits 2 with `error:` lines and no
traceback), or one replicate runs and every outcome is finite (NaN only where undefined) and
inside the range its unit implies: shares in [0, 1], counts, months and money at least 0,
copies of covered weights at most the derivatives they are scaled to. Units come from the
outcome labels (`sim.presentation.tables.outcome_label`), so renamed outcomes stay covered.

For speed, a mutated scenario that validates runs with at most 36 months and 500 adopters
(these scale a run's cost, not its rules; their extremes are covered by `test_budget` and the
extreme-value checks). Deterministic (`derandomize`), so CI is stable.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import tomli_w
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.experiments.runner import run_replicate
from sim.presentation.tables import outcome_label
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parent.parent
BUNDLED = sorted((REPO / "scenarios").glob("*.toml"))
RUN_MONTHS, RUN_ADOPTERS = 36, 500
EXTREMES = [0, -0.0, 1, -1, 2, 5e-324, 1e-300, 1e-12, 0.5, 0.999999, 1.000001, 99.9, 1e6, 1e7,
            1e13, 1e40, 1e41, 1e300, 1e308, math.inf, -math.inf, math.nan, 2**63 - 1, 2**63,
            -(2**63), 10**30, 1200, 1201, 10_000, 10_001]
WRONG_TYPES = ["12", "", "<img src=x onerror=alert(1)>", True, False, [], [1, "a"], {},
               {"a": 1}, "2025-01", [1e27, 1e27]]


def resolved(path: Path) -> dict[str, Any]:
    """The bundled scenario after `extends`, defaults filled in, as a TOML-writable dict."""
    raw = load_scenario(path).to_toml_dict()
    raw.pop("sweep", None)
    return raw


RESOLVED = {path.stem: resolved(path) for path in BUNDLED}


def paths_in(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (dict keys and list indices) to a value inside `node`."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((*prefix, key))
            found += paths_in(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append((*prefix, index))
            found += paths_in(value, (*prefix, index))
    return found


def get(node: Any, path: tuple) -> Any:
    for part in path:
        node = node[part]
    return node


def put(node: Any, path: tuple, value: Any) -> None:
    get(node, path[:-1])[path[-1]] = value


def drop(node: Any, path: tuple) -> None:
    parent = get(node, path[:-1])
    del parent[path[-1]]


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    raw = copy.deepcopy(RESOLVED[draw(st.sampled_from(sorted(RESOLVED)))])
    for _ in range(draw(st.integers(1, 3))):
        paths = paths_in(raw)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        value = get(raw, path)
        kind = draw(st.sampled_from(["number", "number", "number", "drop", "type",
                                     "duplicate", "rename"]))
        if kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
            put(raw, path, draw(st.sampled_from(EXTREMES) | st.floats(allow_nan=True)
                                | st.integers(-(10**20), 10**20)
                                | st.floats(-2.0, 2.0).map(lambda x, base=value: base * (1 + x))))
        elif kind == "drop":
            drop(raw, path)
        elif kind == "type":
            put(raw, path, draw(st.sampled_from(WRONG_TYPES)))
        elif kind in ("duplicate", "rename"):
            named = [key for key in ("developers", "states", "regulators") if raw.get(key)]
            if not named:
                continue
            entries = raw[draw(st.sampled_from(named))]
            first = draw(st.integers(0, len(entries) - 1))
            if kind == "duplicate":
                entries.append(copy.deepcopy(entries[first]))
            elif isinstance(entries[0], dict) and isinstance(entries[first], dict):
                entries[first]["name"] = entries[0].get("name", "x")
    return raw


def as_toml(raw: dict[str, Any]) -> str | None:
    try:
        return tomli_w.dumps(raw)
    except (TypeError, ValueError):  # e.g. a nan inside an inline table tomli_w refuses
        return None


def check_outcomes(summary: dict[str, Any], copies_at_most: float) -> None:
    """Finite outcomes in their bounds; copies of covered weights at most the derivatives a
    leading open family accumulates (`derivatives_at_saturation`: the copies stock is the share
    of adopters that ever held them, scaled to it)."""
    for key, value in summary.items():
        if isinstance(value, str) or value is None:
            continue
        number = float(value)
        assert not math.isinf(number), f"{key} = {value}"
        if math.isnan(number):
            continue
        label = outcome_label(key)
        if "(share)" in label:
            assert -1e-9 <= number <= 1 + 1e-9, f"{key} = {value}"
        if any(unit in label for unit in ("(count)", "(months)", "(USD M)")):
            assert number >= 0, f"{key} = {value}"
        if "copies" in key:
            assert number <= copies_at_most * (1 + 1e-9), f"{key} = {value} > {copies_at_most}"


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_a_mutated_scenario_is_refused_cleanly_or_runs_with_finite_outcomes(tmp_path_factory,
                                                                           raw):
    text = as_toml(raw)
    if text is None:
        return
    path = tmp_path_factory.mktemp("fuzz") / "mutated.toml"
    path.write_text(text, encoding="utf-8")
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        assert error.problems and all(p.format() for p in error.problems)
        result = CliRunner().invoke(main, ["validate", str(path)])
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert all(line.startswith("error: ") for line in result.stderr.splitlines())
        return
    meta = scenario.scenario
    small = load_scenario(path, [f"scenario.months={min(meta.months, RUN_MONTHS)}",
                                 "world.ecosystem.adopters="
                                 f"{min(scenario.world.ecosystem.adopters, RUN_ADOPTERS)}"])
    replicate = run_replicate(small, seed=small.scenario.seed)
    check_outcomes(replicate.summary, small.world.ecosystem.derivatives_at_saturation)
