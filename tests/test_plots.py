"""PNG plots of a run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from synthetic import make_run_result

from sim.plots.runs import channel_shares, step_dates, write_plots

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPECTED = ["capability.png", "channels.png", "diffusion.png", "kill_switch.png", "lags.png"]


def _assert_pngs(paths: list[Path], folder: Path) -> None:
    assert sorted(path.name for path in paths) == EXPECTED
    for path in paths:
        assert path.parent == folder
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE)
        assert len(data) > 5_000  # an empty canvas is far smaller than a plot with axes


def test_write_plots_makes_the_five_pngs(tmp_path: Path) -> None:
    run = make_run_result(replicates=5, months=36)
    folder = tmp_path / "plots"
    _assert_pngs(write_plots(run, folder), folder)


def test_write_plots_copes_with_undefined_series(tmp_path: Path) -> None:
    run = make_run_result(replicates=1, months=6, states=("china",))
    frame = run.replicates[0].timeseries
    frame["open_frontier_capability"] = -np.inf  # no open model in the whole run
    frame["open_lag_months"] = np.nan
    frame["kill_switch_coverage"] = np.nan  # no covered model
    _assert_pngs(write_plots(run, tmp_path), tmp_path)


def test_write_plots_without_states_or_regulators(tmp_path: Path) -> None:
    run = make_run_result(replicates=2, months=6, states=(), regulators=())
    _assert_pngs(write_plots(run, tmp_path), tmp_path)


def test_write_plots_of_a_run_without_replicates_writes_nothing(tmp_path: Path) -> None:
    run = make_run_result(replicates=0)
    assert write_plots(run, tmp_path / "plots") == []


def test_channel_shares_are_shares_of_replicates_per_step() -> None:
    run = make_run_result(replicates=4, months=10, states=("china",))
    shares = channel_shares(run.timeseries_frame(), "state_best_channel__china")
    assert list(shares.columns[:5]) == ["domestic", "open_weights", "theft", "distillation", "none"]
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert set(np.unique(shares.to_numpy() * 4)) <= {0.0, 1.0, 2.0, 3.0, 4.0}


def test_importing_plots_does_not_import_matplotlib() -> None:
    code = "import sys, sim.plots.runs; sys.exit('matplotlib' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0


def test_steps_map_to_calendar_months_across_a_year_end() -> None:
    run = make_run_result(replicates=2, months=3, start="2030-11")
    dates = step_dates(run.timeseries_frame(), run.start)
    assert [date.strftime("%Y-%m-%d") for date in dates] == [
        "2030-11-01",
        "2030-12-01",
        "2031-01-01",
    ]
    without_month = run.timeseries_frame().drop(columns="month")
    assert list(step_dates(without_month, run.start)) == list(dates)


def _texts(figure) -> str:
    """Every label, title, legend entry and note of a figure, joined."""
    parts = [figure.get_suptitle()] + [text.get_text() for text in figure.texts]
    for legend in figure.legends:
        parts += [text.get_text() for text in legend.get_texts()]
    for axes in figure.axes:
        parts += [axes.get_title(), axes.get_xlabel(), axes.get_ylabel()]
        parts += [text.get_text() for text in axes.texts]
        if axes.get_legend() is not None:
            parts += [text.get_text() for text in axes.get_legend().get_texts()]
    return "\n".join(parts)


def test_diffusion_names_a_flat_share_instead_of_drawing_it() -> None:
    from sim.plots.runs import figures

    run = make_run_result(replicates=4, months=24)
    for replicate in run.replicates:
        replicate.timeseries["ecosystem_api_frontier_tier_share"] = 0.75
    figure = figures(run)["diffusion"]
    (axes,) = figure.axes
    drawn = {line.get_label() for line in axes.lines}
    assert "adopters at the frontier tier through an API" not in drawn
    assert "adopters at the frontier tier through open weights" in drawn
    assert "adopters at the frontier tier through an API: 0.750 throughout" in axes.get_xlabel()
    assert axes.get_legend() is None and figure.legends  # the legend sits below, off the data


def test_channels_use_plain_words_and_keep_the_legend_off_the_data() -> None:
    from sim.plots.runs import figures

    run = make_run_result(replicates=4, months=24, states=("china",))
    figure = figures(run)["channels"]
    labels = [text.get_text() for legend in figure.legends for text in legend.get_texts()]
    assert "its own labs" in labels and "stolen weights" in labels
    assert not [label for label in labels if "_" in label]
    assert all(axes.get_legend() is None for axes in figure.axes)


def test_every_plot_label_is_words_with_units() -> None:
    from sim.plots.runs import figures

    run = make_run_result(replicates=3, months=24)
    for name, figure in figures(run).items():
        for axes in figure.axes:
            label = axes.get_ylabel()
            assert "(" in label and "_" not in label, (name, label)
        assert "__" not in _texts(figure), name
