"""Optional extras (sim.extras): a missing one is named with the command that installs it,
from the command line, the Python API, the cluster executor and the dashboard benchmark."""

from __future__ import annotations

import runpy
import sys
import tomllib
from pathlib import Path

import pytest

import sim
from sim.experiments.executors import ExecutorUnavailableError, open_executor
from sim.extras import EXTRAS, MissingExtraError

ROOT = Path(__file__).resolve().parent.parent


def hide(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    """Make `module` impossible to import or find, as if it were not installed."""
    monkeypatch.setitem(sys.modules, module, None)


def test_every_extra_named_in_sim_extras_installs_its_packages() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    for extra, packages in EXTRAS.items():
        listed = " ".join(extras[extra])
        for package in packages.values():
            assert package.split("[")[0] in listed, (extra, package)


def test_the_api_names_the_analysis_extra_when_prim_is_missing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "prim")
    with pytest.raises(MissingExtraError) as caught:
        sim.discover(tmp_path, "state_mean_lag_months__prc", below=7.5)
    assert isinstance(caught.value, ImportError)
    assert str(caught.value).startswith("sim.discover needs prim, from regsim's analysis "
                                        "extra: pip install -e '.[analysis]' (in ")


def test_the_cluster_executor_names_the_cluster_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "distributed")
    with pytest.raises(ExecutorUnavailableError, match=r"pip install -e '\.\[cluster\]'"), \
            open_executor(scheduler="tcp://127.0.0.1:8786"):
        pass


def test_the_dashboard_benchmark_names_the_bench_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "playwright")
    monkeypatch.setattr(sys, "argv", ["dashboard_speed.py"])
    with pytest.raises(SystemExit) as caught:
        runpy.run_path(str(ROOT / "benchmarks" / "dashboard_speed.py"), run_name="__main__")
    assert str(caught.value).startswith("error: benchmarks/dashboard_speed.py needs "
                                        "playwright, from regsim's bench extra: pip install "
                                        "-e '.[bench]'")
