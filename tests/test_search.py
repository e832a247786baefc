"""Robust policy search (`regsim search`, `sim.search`, `sim.analysis.search`).

A synthetic problem with a known Pareto front (ZDT1) checks that the search finds it; the
bundled design checks that 2 workers, a Dask LocalCluster and a search killed with SIGKILL and
resumed write the same tables; bad input exits 2 naming the flag or key.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("pymoo")

from sim.analysis.search import (  # noqa: E402
    SearchSettings,
    create_search,
    make_futures,
    run_search,
)
from sim.analysis.search_spec import (  # noqa: E402
    Objective,
    candidate_scores,
    parse_measure,
    parse_objectives,
)
from sim.cli import main  # noqa: E402
from sim.experiments.design import LEVER, Parameter  # noqa: E402
from sim.experiments.executors import open_executor  # noqa: E402
from sim.experiments.models import FunctionModel, register_function_model  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TABLES = ("runs.csv", "futures.csv", "candidates.csv", "convergence.csv", "held.csv",
          "summary.json")
ZDT1_VARIABLES = 5
IGD_BOUND = 0.02
"""NSGA-II with 40 x 50 evaluations reaches an IGD of about 0.004 on ZDT1 (5 variables);
the same 2,000 evaluations drawn at random (one generation of 2,000) reach 0.43."""
REFERENCE = ["--reference",
             "no kill switch:regulators.california.policies.kill_switch.enabled=false"]
TINY = ["--set", "scenario.months=24", "--set", "world.ecosystem.adopters=2000",
        "--population", "4", "--generations", "2", "--futures", "2", "--fresh-futures", "2",
        "--objective", "state_mean_lag_months__prc:higher",
        "--objective", "cash_compliance_musd:lower", "--no-plots", "-q"]


def zdt1(**values: float) -> dict[str, float]:
    """ZDT1 (Zitzler, Deb and Thiele 2000): the Pareto front is f2 = 1 - sqrt(f1), f1 in
    [0, 1], where every variable but the first is 0."""
    x = np.array([values[f"x{i}"] for i in range(ZDT1_VARIABLES)])
    g = 1 + 9 * x[1:].sum() / (ZDT1_VARIABLES - 1)
    return {"f1": float(x[0]), "f2": float(g * (1 - np.sqrt(x[0] / g)))}


ZDT1 = register_function_model("zdt1", FunctionModel(zdt1))


def zdt1_search(folder: Path, population: int, generations: int, seed: int = 1) -> Path:
    measure = parse_measure("mean")
    settings = SearchSettings(
        levers=tuple(Parameter(f"x{i}", LEVER, low=0.0, high=1.0)
                     for i in range(ZDT1_VARIABLES)),
        objectives=parse_objectives(["f1:lower", "f2:lower"], measure), measure=measure,
        population=population, generations=generations, futures=1, fresh_futures=1,
        seed=seed)
    return create_search(folder, ZDT1, settings, make_futures(settings, []), "zdt1", {})


def same_tables(first: Path, second: Path) -> None:
    for name in TABLES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_the_search_finds_the_known_pareto_front_of_zdt1(tmp_path: Path) -> None:
    import pandas as pd
    from pymoo.indicators.igd import IGD

    folder = zdt1_search(tmp_path / "zdt1", population=40, generations=50)
    with open_executor(1) as executor:
        summary = run_search(folder, executor)
    candidates = pd.read_csv(folder / "candidates.csv")
    found = candidates[candidates["pareto"]][["score__f1", "score__f2"]].to_numpy()
    f1 = np.linspace(0.0, 1.0, 1000)
    distance = IGD(np.column_stack([f1, 1 - np.sqrt(f1)]))(found)
    assert distance < IGD_BOUND
    assert summary.candidates == 2000 and len(found) >= 20
    convergence = pd.read_csv(folder / "convergence.csv")
    assert len(convergence) == 50
    assert convergence["hypervolume"].iloc[-1] > convergence["hypervolume"].iloc[0]
    held = pd.read_csv(folder / "held.csv")  # a deterministic model holds exactly
    assert held["change"].abs().max() == 0 and held["non_dominated_fresh"].all()


def test_a_search_resumed_from_part_of_its_journal_writes_the_same_tables(
        tmp_path: Path) -> None:
    whole = zdt1_search(tmp_path / "whole", population=8, generations=4)
    with open_executor(1) as executor:
        run_search(whole, executor)
    part = zdt1_search(tmp_path / "part", population=8, generations=4)
    lines = (whole / "runs.jsonl").read_bytes().splitlines(keepends=True)
    (part / "runs.jsonl").write_bytes(b"".join(lines[:13]) + lines[13][:20])  # a torn line
    with open_executor(1) as executor:
        summary = run_search(part, executor)
    assert summary.session_runs == len(lines) - 13
    same_tables(whole, part)


def test_a_journal_from_another_search_is_refused(tmp_path: Path) -> None:
    from sim.analysis.search import SearchFolderError

    first = zdt1_search(tmp_path / "first", population=4, generations=1, seed=1)
    with open_executor(1) as executor:
        run_search(first, executor)
    other = zdt1_search(tmp_path / "other", population=4, generations=1, seed=2)
    (other / "runs.jsonl").write_bytes((first / "runs.jsonl").read_bytes())
    with open_executor(1) as executor, pytest.raises(SearchFolderError, match="seed"):
        run_search(other, executor)
    edited = zdt1_search(tmp_path / "edited", population=4, generations=1, seed=1)
    lines = (first / "runs.jsonl").read_text().splitlines(keepends=True)
    record = json.loads(lines[0])
    record["values"]["x0"] = 0.5
    (edited / "runs.jsonl").write_text(json.dumps(record) + "\n" + "".join(lines[1:]))
    with open_executor(1) as executor, pytest.raises(SearchFolderError,
                                                     match=f"candidate {record['point_id']}"):
        run_search(edited, executor)


def tradeoff(x: float, level: int, shift: float) -> dict[str, float]:
    """Two objectives that trade off along x, shifted by an uncertain `shift` (per future)."""
    return {"gain": x * shift + 0.1 * level, "cost": (x + 0.05 * level) ** 2 + shift}


TRADEOFF = register_function_model("tradeoff", FunctionModel(tradeoff))


@pytest.mark.parametrize("measure", ["regret", "satisfice", "percentile:80"])
def test_every_candidate_faces_the_same_futures_and_is_scored_by_the_measure(
        tmp_path: Path, measure: str) -> None:
    import pandas as pd

    from sim.analysis.robustness import parse_criterion
    from sim.experiments.design import UNCERTAINTY

    parsed = parse_measure(measure)
    texts = (["gain>=1.2", "cost<=1.5"] if measure == "satisfice"
             else ["gain:higher", "cost:lower"])
    settings = SearchSettings(
        levers=(Parameter("x", LEVER, low=0.0, high=1.0), Parameter("level", LEVER,
                                                                     values=(0, 1, 2))),
        objectives=parse_objectives(texts, parsed), measure=parsed, population=6,
        generations=3, futures=5, fresh_futures=3, seed=4)
    futures = make_futures(settings, [Parameter("shift", UNCERTAINTY, low=0.5, high=2.0)])
    folder = create_search(tmp_path / "s", TRADEOFF, settings, futures, "tradeoff", {})
    with open_executor(1) as executor:
        run_search(folder, executor)
    runs = pd.read_csv(folder / "runs.csv")
    search = runs[runs["set"] == "search"]
    drawn = pd.read_csv(folder / "futures.csv").set_index("future")["shift"]
    assert search.groupby("future")["seed"].nunique().eq(1).all()
    assert np.allclose(search["cost"] - (search["x"] + 0.05 * search["level"]) ** 2,
                       drawn.loc[search["future"]].to_numpy())  # the same draw for all
    candidates = pd.read_csv(folder / "candidates.csv").set_index("candidate")
    assert search.groupby("candidate").size().eq(5).all()
    for outcome, direction, text in (("gain", 1, texts[0]), ("cost", -1, texts[1])):
        wide = search.pivot(index="candidate", columns="future", values=outcome)
        if measure == "regret":
            best = wide.max() if direction == 1 else wide.min()
            expected = ((best - wide) * direction).max(axis=1)
        elif measure == "satisfice":
            criterion = parse_criterion(text)
            expected = pd.Series([criterion.met(row.to_numpy()).mean()
                                  for _, row in wide.iterrows()], index=wide.index)
        else:
            expected = wide.quantile(0.2 if direction == 1 else 0.8, axis=1)
        assert np.allclose(candidates.loc[expected.index, f"score__{outcome}"], expected,
                           rtol=1e-8, atol=1e-9)
    assert candidates["pareto"].sum() >= 1
    fresh = runs[runs["set"] == "fresh"]
    assert set(fresh["candidate"]) == set(candidates.index[candidates["pareto"]])


def options_only(a: int, b: str) -> dict[str, float]:
    """Two objectives over six lever settings."""
    return {"p": a + float(b == "x"), "q": -a + 2.0 * (b == "y")}


OPTIONS_ONLY = register_function_model("options_only", FunctionModel(options_only))


def test_a_search_of_few_settings_stops_when_they_are_exhausted(tmp_path: Path) -> None:
    import pandas as pd

    measure = parse_measure("mean")
    settings = SearchSettings(
        levers=(Parameter("a", LEVER, values=(0, 1, 2)), Parameter("b", LEVER,
                                                                   values=("x", "y"))),
        objectives=parse_objectives(["p:higher", "q:higher"], measure), measure=measure,
        population=8, generations=6, futures=2, fresh_futures=1, seed=2)
    folder = create_search(tmp_path / "s", OPTIONS_ONLY, settings,
                           make_futures(settings, []), "options", {})
    lines: list[str] = []
    with open_executor(1) as executor:
        summary = run_search(folder, executor, report=lines.append)
    assert summary.candidates == 6 and "exhausted" in lines[-1]
    candidates = pd.read_csv(folder / "candidates.csv")
    pareto = candidates[candidates["pareto"]]
    # (p, q): (0,x) 1,0  (1,x) 2,-1  (2,x) 3,-2  (0,y) 0,2  (1,y) 1,1  (2,y) 2,0
    assert set(zip(pareto["a"], pareto["b"], strict=True)) == {(2, "x"), (2, "y"), (1, "y"),
                                                               (0, "y")}
    assert len(pd.read_csv(folder / "convergence.csv")) < 6


def test_the_measures_score_as_documented() -> None:
    from sim.analysis.robustness import parse_criterion

    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    higher, lower = Objective("y", 1), Objective("y", -1)
    assert candidate_scores(values, None, higher, parse_measure("mean")) == 3.0
    assert candidate_scores(values, None, higher, parse_measure("percentile:75")) == 2.0
    assert candidate_scores(values, None, lower, parse_measure("p75")) == 4.0
    best = np.array([2.0, 2.0, 5.0, 4.0, 9.0])
    assert candidate_scores(values, best, higher, parse_measure("regret")) == 4.0
    assert candidate_scores(values, np.array([0.0, 2.0, 3.0, 4.0, 5.0]), lower,
                            parse_measure("regret")) == 1.0
    met = Objective("y", 1, parse_criterion("y>=3"))
    assert candidate_scores(values, None, met, parse_measure("satisfice")) == 0.6
    assert np.isnan(candidate_scores(np.array([1.0, np.nan]), None, higher,
                                     parse_measure("mean")))


@pytest.mark.parametrize(("arguments", "named"), [
    (["--objective", "state_mean_lag_months__prc:higher", "--objective", "no_such_outcome:lower"],
     "no_such_outcome"),
    (["--objective", "state_mean_lag_months__prc:higher", "--objective", "thefts:sideways"],
     "--objective 'thefts:sideways'"),
    (["--objective", "state_mean_lag_months__prc:higher"], "at least two"),
    (["--objective", "state_mean_lag_months__prc:higher", "--objective", "thefts:lower",
      "--measure", "median"], "--measure"),
    (["--objective", "state_mean_lag_months__prc:higher", "--objective", "thefts:lower",
      "--measure", "satisfice"], "needs a threshold"),
    (["--objective", "state_mean_lag_months__prc:higher", "--objective", "thefts:lower",
      "--lever", "regulators.us_federal.policies.chip_export_controls.strength=lots"],
     "regulators.us_federal.policies.chip_export_controls.strength"),
    (["--objective", "state_mean_lag_months__prc:higher", "--objective", "thefts:lower",
      "--lever", "regulators.us_federal.policies.chip_export_controls.strength"], "--lever"),
    (["--objective", "state_mean_lag_months__prc:higher", "--objective", "thefts:lower",
      "--population", "2"], "--population"),
    (["--objective", "state_mean_lag_months__prc:higher", "--objective", "thefts:lower",
      "--reference", "strict:world.theft.hazard_per_month_at_parity=0.1"],
     "world.theft.hazard_per_month_at_parity is not a lever"),
    (["--objective", "state_mean_lag_months__prc:higher", "--objective", "thefts:lower",
      "--reference", "strict:regulators.us_federal.policies.chip_export_controls.strength=2"],
     "--reference: regulators.us_federal.policies.chip_export_controls.strength"),
    (["--objective", "state_mean_lag_months__prc:higher", "--objective", "thefts:lower",
      "--reference", "no name"], "--reference"),
])
def test_bad_input_exits_2_naming_the_flag_or_key(tmp_path: Path, arguments: list[str],
                                                  named: str) -> None:
    result = CliRunner().invoke(main, ["search", "policy_search", "--out",
                                       str(tmp_path / "out"), *arguments])
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and named in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_ctrl_c_stops_a_search_with_one_line_saying_how_to_resume(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C ends every command with one line and exit status 130, as it ends a sweep (the
    search printed an error line and a hint)."""
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.analysis.search.run_search", interrupted)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [
        "search", "policy_search", "--out", str(out), "-j", "1",
        "--objective", "state_mean_lag_months__prc:higher", "--objective", "thefts:lower"])
    assert result.exit_code == 130, result.output
    assert result.stderr == ("interrupted: finished runs are saved; resume with: regsim search "
                             f"--resume {out}\n")
    assert (out / "manifest.json").exists()


def test_without_pymoo_the_command_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pymoo" else real(name, *a))
    result = CliRunner().invoke(main, ["search", "policy_search"])
    assert result.exit_code == 2 and "pip install -e '.[search]'" in result.output


def test_four_objectives_use_nsga3_and_the_plots_draw(tmp_path: Path) -> None:
    from sim.plots.search import write_search_plots

    levers = tuple(Parameter(f"x{i}", LEVER, low=0.0, high=1.0) for i in range(6))
    measure = parse_measure("mean")
    settings = SearchSettings(levers=levers, objectives=parse_objectives(
        [f"f{k}:lower" for k in range(4)], measure), measure=measure, population=12,
        generations=2, futures=1, fresh_futures=1, seed=2)
    folder = create_search(tmp_path / "dtlz", DTLZ, settings, make_futures(settings, []),
                           "dtlz", {})
    with open_executor(1) as executor:
        run_search(folder, executor)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["settings"]["algorithm"] == "NSGA-III" and summary["candidates"] == 24
    assert [p.name for p in write_search_plots(folder)] == [
        "convergence.png", "tradeoff.png", "parallel.png"]


def dtlz2_like(**values: float) -> dict[str, float]:
    """Four objectives in conflict (a DTLZ-like problem)."""
    x = np.array([values[f"x{i}"] for i in range(6)])
    g = float(((x[3:] - 0.5) ** 2).sum())
    return {**{f"f{k}": (1 + g) * float(x[k]) for k in range(3)},
            "f3": (1 + g) * float(1 - x[:3].mean())}


DTLZ = register_function_model("dtlz_like", FunctionModel(dtlz2_like))


@pytest.mark.parametrize(("tamper", "named"), [
    (lambda m: m["settings"]["levers"][0].update(low="abc"), "settings.levers[0]"),
    (lambda m: m["settings"].update(objectives=["f1:lower", "f2:sideways"]), "settings"),
    (lambda m: m["settings"].update(population=10**9), "settings"),
    (lambda m: m["future_seeds"].reverse() or m["future_seeds"].append(1), "future_seeds"),
    (lambda m: m.update(references=None), "references"),
    (lambda m: m.update(references={"x": {"seed": 3}}), "references"),
])
def test_resume_checks_the_folder_first(tmp_path: Path, tamper, named: str) -> None:
    folder = zdt1_search(tmp_path / "s", population=4, generations=1)
    manifest = json.loads((folder / "manifest.json").read_text())
    tamper(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = CliRunner().invoke(main, ["search", "--resume", str(folder), "-j", "1"])
    assert result.exit_code == 2, result.output
    assert named in result.output and "Traceback" not in result.output
    assert not (folder / "runs.jsonl").exists() or not (folder / "runs.jsonl").read_bytes()


def test_resume_refuses_draws_that_are_not_the_scenarios(tmp_path: Path) -> None:
    import tomllib

    import sim
    from sim.analysis.search_setup import prepare_search

    scenario = sim.load("policy_search")
    prepared = prepare_search(scenario, tomllib.loads(scenario.to_toml()), [],
                              ["state_mean_lag_months__prc:higher", "thefts:lower"], "mean",
                              {"population": 4, "generations": 1, "futures": 2,
                               "fresh_futures": 1}, 5)
    folder = create_search(tmp_path / "s", prepared.model, prepared.settings,
                           prepared.futures, "policy_search", prepared.references)
    manifest = json.loads((folder / "manifest.json").read_text())
    key = next(iter(manifest["future_draws"][0]))
    manifest["future_draws"][0][key] = manifest["future_draws"][1][key]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = CliRunner().invoke(main, ["search", "--resume", str(folder)])
    assert result.exit_code == 2 and "future_draws" in result.output, result.output


def test_resume_refuses_a_link_in_the_folder(tmp_path: Path) -> None:
    folder = zdt1_search(tmp_path / "s", population=4, generations=1)
    (folder / "runs.csv").symlink_to(tmp_path / "elsewhere.csv")
    result = CliRunner().invoke(main, ["search", "--resume", str(folder)])
    assert result.exit_code == 2 and "symbolic link" in result.output


def test_resume_refuses_a_folder_that_is_not_a_search(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "sweep"}))
    result = CliRunner().invoke(main, ["search", "--resume", str(tmp_path)])
    assert result.exit_code == 2 and "not a search" in result.output


# The bundled design on the engine ------------------------------------------------------------


def regsim(*arguments: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim.cli", *arguments], cwd=cwd,
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled design at tiny settings on 2 local workers."""
    folder = tmp_path_factory.mktemp("search") / "two"
    result = CliRunner().invoke(main, ["search", "policy_search", *TINY, "-j", "2",
                                       "--out", str(folder), *REFERENCE])
    assert result.exit_code == 0, result.output
    return folder


@pytest.mark.slow
def test_the_bundled_design_on_dask_gives_the_same_tables(two_workers: Path,
                                                          tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       protocol="tcp", host="127.0.0.1", dashboard_address=None)
    with cluster:
        result = CliRunner().invoke(main, ["search", "policy_search", *TINY, *REFERENCE,
                                           "--scheduler", cluster.scheduler_address, "--out",
                                           str(tmp_path / "dask")])
    assert result.exit_code == 0, result.output
    same_tables(two_workers, tmp_path / "dask")
    summary = json.loads((two_workers / "summary.json").read_text())
    assert summary["candidates"] >= 5 and summary["pareto"]


@pytest.mark.slow
def test_a_search_killed_with_sigkill_resumes_to_the_same_tables(two_workers: Path,
                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "killed"
    process = regsim("search", "policy_search", *TINY, *REFERENCE, "-j", "2", "--out",
                     str(folder), cwd=tmp_path)
    journal = folder / "runs.jsonl"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            if journal.exists() and journal.read_bytes().count(b"\n") >= 4:
                break
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "running" and not (folder / "candidates.csv").exists()
    resumed = regsim("search", "--resume", str(folder), "-j", "2", "-q", "--no-plots",
                     cwd=tmp_path)
    _, errors = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, errors
    same_tables(two_workers, folder)


@pytest.mark.slow
def test_the_api_writes_what_the_command_writes(two_workers: Path, tmp_path: Path) -> None:
    import sim

    found = sim.search("policy_search", ["state_mean_lag_months__prc:higher",
                                         "cash_compliance_musd:lower"],
                       population=4, generations=2, futures=2, fresh_futures=2, workers=1,
                       set={"scenario.months": 24, "world.ecosystem.adopters": 2000},
                       references={"no kill switch": {
                           "regulators.california.policies.kill_switch.enabled": False}},
                       out=tmp_path / "api", plots=True)
    same_tables(two_workers, found.folder)
    assert set(found.pareto["candidate"]) == set(json.loads(
        (two_workers / "summary.json").read_text())["pareto"])
    assert (found.folder / "plots" / "tradeoff.png").exists()
    references = found.candidates.dropna(subset=["reference"]).set_index("reference")
    assert list(references.index) == ["no kill switch", "scenario as written"]
    assert not references.loc["no kill switch",
                              "regulators.california.policies.kill_switch.enabled"]
    reopened = sim.open(found.folder)
    assert list(reopened.pareto["candidate"]) == list(found.pareto["candidate"])
    assert reopened.plot("parallel") is not None
