"""Sensitivity analysis is model-agnostic: plain functions through the same design -> engine ->
results folder -> indices pipeline as regsim scenarios, checked against known answers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiments.design import Parameter, make_design
from sim.experiments.executors import open_executor
from sim.experiments.models import FunctionModel, register_function_model
from sim.experiments.sensitivity import point_means
from sim.experiments.sweep import create_sweep, run_sweep

# Ishigami & Homma (1990) with a = 7, b = 0.1: analytical Sobol indices.
ISHIGAMI_S1 = {"x1": 0.314, "x2": 0.442, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.558, "x2": 0.442, "x3": 0.244}
TOLERANCE = 0.05


def ishigami(x1: float, x2: float, x3: float, a: float = 7.0, b: float = 0.1) -> float:
    return math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)


def linear(a: float, b: float, c: float) -> float:
    return 3.0 * a + 1.0 * b + 0.0 * c


def indices_of(tmp_path: Path, function, parameters: list[Parameter], sampler: str,
               samples: int) -> pd.DataFrame:
    """Run `function` over the design through the sweep engine; return sensitivity.csv."""
    design = make_design(parameters, sampler, samples, root_seed=2024)
    # Registered by name: a sweep folder names its function model, never its code.
    model = register_function_model(function.__name__, FunctionModel(function))
    folder = create_sweep(tmp_path / sampler, model, design, 2024, 1, sampler)
    with open_executor(1) as executor:
        run_sweep(folder, executor)
    return pd.read_csv(folder / "sensitivity.csv")


def index(table: pd.DataFrame, name: str) -> dict[str, float]:
    rows = table[table["index"] == name]
    return dict(zip(rows["parameter"], rows["value"], strict=True))


def test_ishigami_sobol_indices_match_the_analytical_values(tmp_path: Path) -> None:
    parameters = [Parameter(f"x{i}", low=-math.pi, high=math.pi) for i in (1, 2, 3)]
    table = indices_of(tmp_path, ishigami, parameters, "sobol", 2048)
    first, total = index(table, "S1"), index(table, "ST")
    for name in ("x1", "x2", "x3"):
        assert first[name] == pytest.approx(ISHIGAMI_S1[name], abs=TOLERANCE), name
        assert total[name] == pytest.approx(ISHIGAMI_ST[name], abs=TOLERANCE), name
    conf = table[(table["method"] == "sobol")]["conf95"]
    assert conf.notna().all() and (conf < 0.1).all()


def test_morris_mu_star_is_the_effect_over_the_full_span(tmp_path: Path) -> None:
    parameters = [Parameter(name, low=0.0, high=1.0) for name in ("a", "b", "c")]
    mu_star = index(indices_of(tmp_path, linear, parameters, "morris", 20), "mu_star")
    assert mu_star == pytest.approx({"a": 3.0, "b": 1.0, "c": 0.0}, abs=1e-9)


def test_swing_compares_low_and_high_ends(tmp_path: Path) -> None:
    parameters = [Parameter("a", low=0.0, high=1.0), Parameter("b", low=0.0, high=1.0),
                  Parameter("c", values=(0.0, 0.5, 1.0))]
    table = indices_of(tmp_path, linear, parameters, "grid", 5)
    swing = index(table[table["method"] == "swing"], "swing")
    # grid: the low end is the lowest level only, the high end the highest level.
    assert swing == pytest.approx({"a": 3.0, "b": 1.0, "c": 0.0})
    assert set(table["method"]) == {"swing"}  # no variance-based indices on a grid


def test_point_means_are_the_same_read_in_small_chunks(tmp_path: Path) -> None:
    parameters = [Parameter("a", low=0.0, high=1.0), Parameter("b", kind="lever", values=(1, 2))]
    design = make_design(parameters, "lhs", 10, root_seed=3)
    model = FunctionModel(noisy, pass_seed=True)
    folder = create_sweep(tmp_path / "out", model, design, 3, 4, "noisy")
    with open_executor(1) as executor:
        run_sweep(folder, executor, model=model)
    whole = point_means(folder / "runs.csv")
    chunked = point_means(folder / "runs.csv", chunk_rows=3)
    pd.testing.assert_frame_equal(whole, chunked, rtol=1e-12)
    assert whole["n_ok"].eq(4).all() and len(whole) == 20


def noisy(a: float, b: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {"y": a * b + rng.normal(), "label": "text outcomes are kept out of the means"}
