"""Which answers are robust: a comparison run once per formulation of the decisive mechanisms
(`regsim compare --formulations`, the default with --uncertainty), on common seeds, with a
verdict per policy and outcome saying whether it holds under every formulation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import sim
from sim.cli import main
from sim.experiments import formulations as fm
from sim.presentation.formulation_report import (
    add_verdicts,
    robust_sentence,
    robustness_verdict,
)
from sim.scenario.schema import formulation_options

NAN = math.nan
SMALL = ["--set", "scenario.months=24", "--set", "world.ecosystem.adopters=2000"]
LAG = "state_mean_lag_months__prc"


# The verdict logic on synthetic numbers -------------------------------------------------------


@pytest.mark.parametrize(("low", "high", "n", "sign"), [
    (0.1, 0.5, 12, 1.0), (-0.5, -0.1, 12, -1.0), (-0.1, 0.5, 12, 0.0), (0.0, 0.0, 12, 0.0),
    (0.1, 0.5, 1, NAN), (NAN, NAN, 0, NAN)])
def test_each_block_is_signed_by_its_interval(low, high, n, sign):
    got = fm.effect_sign(low, high, n)
    assert (math.isnan(got) and math.isnan(sign)) or got == sign


@pytest.mark.parametrize(("signs", "kind"), [
    ([1.0, 1.0, 1.0], fm.ROBUST), ([-1.0, -1.0], fm.ROBUST),
    ([1.0, -1.0, 0.0], fm.FLIPS), ([1.0, -1.0], fm.FLIPS),
    ([1.0, 0.0, 1.0], fm.PARTIAL), ([1.0, 1.0, NAN], fm.PARTIAL),
    ([0.0, 0.0, 0.0], fm.NONE), ([0.0, NAN], fm.NONE), ([NAN, NAN], fm.UNDEFINED)])
def test_robustness_over_blocks(signs, kind):
    assert fm.robustness(signs) == kind


def synthetic(effects: dict[str, tuple[float, float, float]], outcome: str = LAG
              ) -> pd.DataFrame:
    """formulations.csv rows for one policy and outcome: block -> (mean, low, high), the
    first block the reference."""
    design = [fm.Block({}, {"world.follower.catch_up": "proxy_learning"})] + [
        fm.Block({"world.follower.catch_up": name.split("=")[1]},
                 {"world.follower.catch_up": name.split("=")[1]})
        for name in list(effects)[1:]]
    tables = {block.name: pd.DataFrame([{
        "policy": "p", "outcome": outcome, "n_pairs_defined": 12, "difference_mean": mean,
        "ci95_low": low, "ci95_high": high}]) for block, (mean, low, high)
        in zip(design, effects.values(), strict=True)}
    return add_verdicts(fm.effects(design, tables, fm.ONE_AT_A_TIME), {"prc": "the PRC"})


def test_a_robust_effect_reads_robust_with_its_range():
    rows = synthetic({"reference": (0.3, 0.1, 0.5),
                      "world.follower.catch_up=compute_bound": (0.9, 0.4, 1.4),
                      "world.follower.catch_up=open_weight_base": (0.2, 0.05, 0.35)})
    assert set(rows["robustness"]) == {fm.ROBUST}
    assert robustness_verdict(rows, {"prc": "the PRC"}) == (
        "robust: p widens the PRC's mean lag behind the frontier under every formulation "
        "(+0.200 to +0.900 months)")


def test_a_flip_names_which_way_under_which_formulation():
    rows = synthetic({"reference": (0.3, 0.1, 0.5),
                      "world.follower.catch_up=compute_bound": (-0.4, -0.7, -0.1),
                      "world.follower.catch_up=open_weight_base": (0.0, -0.2, 0.2)})
    line = rows["verdict"].iloc[0]
    assert rows["robustness"].iloc[0] == fm.FLIPS
    assert line.startswith("depends on the formulation (flips): p widens the PRC's mean lag")
    assert "widens the PRC's mean lag behind the frontier under the reference formulations" \
        in line
    assert "narrows it under follower.catch_up=compute_bound (-0.400 months)" in line
    assert line.endswith("no clear effect under follower.catch_up=open_weight_base")


def test_no_effect_under_any_formulation():
    rows = synthetic({"reference": (0.01, -0.2, 0.2),
                      "world.follower.catch_up=compute_bound": (-0.01, -0.3, 0.2)})
    assert rows["robustness"].iloc[0] == fm.NONE
    assert rows["verdict"].iloc[0] == ("no clear effect under any formulation: p on the "
                                       "PRC's mean lag behind the frontier")


def test_the_page_one_sentence_gives_the_lag_verdict_and_counts_the_rest():
    robust = synthetic({"reference": (0.3, 0.1, 0.5),
                        "world.follower.catch_up=compute_bound": (0.9, 0.4, 1.4)})
    flips = synthetic({"reference": (5.0, 1.0, 9.0),
                       "world.follower.catch_up=compute_bound": (-5.0, -9.0, -1.0)}, "thefts")
    unclear = synthetic({"reference": (0.1, -1.0, 1.2),
                         "world.follower.catch_up=compute_bound": (0.2, -1.0, 1.4)},
                        "incidents")
    sentence = robust_sentence(pd.concat([robust, flips, unclear]),
                               [LAG, "thefts", "incidents"], [LAG], {"prc": "the PRC"})
    assert sentence == (
        "Across 2 formulations of the decisive mechanisms (same seeds): p's effect on the "
        "PRC's mean lag behind the frontier is robust (+0.300 to +0.900 months); of 3 key "
        "effects, 1 hold under every formulation, 0 are clear under some only, 1 flip sign "
        "and 1 are unclear under all.")


# Blocks, generically over formulation_options() ----------------------------------------------


def test_one_at_a_time_and_full_factorial_blocks_cover_every_option():
    options = formulation_options()
    assert options, "the model has formulation fields"
    reference = {key: values[0] for key, values in options.items()}
    one = fm.blocks(fm.ONE_AT_A_TIME, options, reference)
    assert one[0].is_reference and len(one) == 1 + sum(len(v) - 1 for v in options.values())
    for key, values in options.items():
        varied = {b.settings[key] for b in one if list(b.settings) == [key]}
        assert varied | {reference[key]} == set(values)
    full = fm.blocks(fm.FULL, options, reference)
    assert len(full) == math.prod(len(v) for v in options.values())
    assert len({b.name for b in full}) == len(full)


def test_a_full_factorial_table_has_one_row_per_combination():
    options = {"a": ("a0", "a1"), "b": ("b0", "b1", "b2")}
    design = fm.blocks(fm.FULL, options, {"a": "a0", "b": "b0"})
    tables = {block.name: pd.DataFrame([{
        "policy": "p", "outcome": "thefts", "n_pairs_defined": 5, "difference_mean": 1.0,
        "ci95_low": 0.5, "ci95_high": 1.5}]) for block in design}
    rows = fm.effects(design, tables, fm.FULL)
    assert len(rows) == 6 and set(rows["field"]) == {"all"}
    assert sorted(rows["option"]) == ["a0,b0", "a0,b1", "a0,b2", "a1,b0", "a1,b1", "a1,b2"]
    assert rows["reference"].sum() == 1 and set(rows["robustness"]) == {fm.ROBUST}


def test_a_design_names_a_field_or_is_refused():
    options = formulation_options()
    key = next(iter(options))
    assert fm.parse_design(key, options) == (fm.ONE_AT_A_TIME, [key])
    assert fm.parse_design("full", options) == (fm.FULL, list(options))
    with pytest.raises(ValueError, match="not a formulation field"):
        fm.parse_design("world.follower.delay_months", options)


@pytest.mark.parametrize("extra", [["--formulations", "world.nonsense"],
                                   ["--formulations", "all", "--independent"]])
def test_bad_formulations_exit_2_with_one_line(tmp_path, extra):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["compare", "baseline", "kill_switch", "-n", "2",
                                       *SMALL, *extra, "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --formulations")
    assert len(result.stderr.strip().splitlines()) == 1 and not out.exists()


# A small real run -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def per_formulation(tmp_path_factory) -> tuple[Path, str]:
    """baseline vs export_controls under --uncertainty (per formulation by default): 3 pairs
    of 24 months per block."""
    out = tmp_path_factory.mktemp("formulations") / "compare"
    result = CliRunner().invoke(main, ["compare", "baseline", "export_controls", "-n", "3",
                                       *SMALL, "--uncertainty", "-j", "1", "--no-plots",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_the_table_has_a_row_per_option_of_each_formulation_field(per_formulation):
    folder, _ = per_formulation
    table = pd.read_csv(folder / fm.FORMULATIONS_NAME)
    assert list(table.columns) == fm.COLUMNS
    options = formulation_options()
    lag = table[(table["policy"] == "export_controls") & (table["outcome"] == LAG)]
    assert len(lag) == sum(len(v) for v in options.values())
    for key, values in options.items():
        assert sorted(lag.loc[lag["field"] == key, "option"]) == sorted(values)
    assert set(lag["unit"]) == {"months"} and lag["robustness"].nunique() == 1
    assert (lag["reference"] == (lag["block"] == fm.REFERENCE)).all()
    assert lag["share_better"].between(0, 1).all() and lag["share_worse"].between(0, 1).all()
    channels = pd.read_csv(folder / fm.CHANNELS_NAME)
    assert set(channels["block"]) == set(table["block"])
    assert {"world.follower.catch_up", "mean", "component"} <= set(channels.columns)


def test_every_block_uses_the_same_seeds_and_draws_and_its_own_formulation(per_formulation):
    folder, _ = per_formulation
    manifest = json.loads((folder / "manifest.json").read_text())
    blocks = manifest["formulations"]["blocks"]
    assert len(blocks) == 1 + sum(len(v) - 1 for v in formulation_options().values())
    for block in blocks[1:]:
        own = json.loads((folder / block["folder"] / "manifest.json").read_text())
        assert own["replicate_seeds"] == manifest["replicate_seeds"]
        assert own["uncertainty_draws"] == manifest["uncertainty_draws"]
        (key, option), = block["settings"].items()
        text = (folder / block["folder"] / "scenarios" / "export_controls.toml").read_text()
        assert f'{key.rpartition(".")[2]} = "{option}"' in text
    drawn = set(manifest["uncertain_parameters"])
    assert drawn and not drawn & set(formulation_options())  # fixed per block, never drawn


def test_the_command_prints_the_lag_per_formulation_and_the_verdicts(per_formulation):
    _, output = per_formulation
    assert "formulation blocks (one-at-a-time), each 3 paired replicates on the same seeds" \
        in output
    assert ("export_controls: effect on the PRC's mean lag (months) per formulation, and "
            "where it came from") in output
    header = next(line for line in output.splitlines() if line.startswith("formulation  "))
    assert header.split() == ["formulation", "effect", "95%", "CI", "own", "labs", "open",
                              "weights", "distillation", "theft", "frontier"]
    for key, values in formulation_options().items():
        for option in values:
            assert f"{key.removeprefix('world.')}={option}" in output
    assert "export_controls: which verdicts hold under every formulation" in output


def test_the_brief_shows_the_table_and_page_one_says_what_is_robust(per_formulation):
    from sim.brief.report import read_folder, render_report, section_headings

    folder, _ = per_formulation
    html = render_report(read_folder(folder))
    assert "Does it hold under every formulation?" in section_headings(html)
    page_one = html[html.index('<div class="page-one">'):html.index("</div>")]
    blocks = 1 + sum(len(v) - 1 for v in formulation_options().values())
    assert f"Across {blocks} formulations of the decisive mechanisms (same seeds)" in page_one
    assert html.count('<table class="formulations">') == 1


def test_the_api_reference_block_equals_a_plain_comparison(tmp_path):
    key = "world.follower.catch_up"
    small = {"scenario.months": 24, "world.ecosystem.adopters": 2000}
    per = sim.compare("baseline", "kill_switch", replicates=2, set=small, workers=1,
                      plots=False, formulations=key)
    plain = sim.compare("baseline", "kill_switch", replicates=2, set=small, workers=1,
                        plots=False)
    pd.testing.assert_frame_equal(per.comparison, plain.comparison)
    assert plain.formulations is None and plain.robustness is None
    rows = per.formulations
    assert sorted(rows.loc[rows["outcome"] == LAG, "option"]) == sorted(
        formulation_options()[key])
    assert list(per.robustness.columns) == ["policy", "outcome", "label", "unit",
                                            "robustness", "verdict"]


def test_json_and_no_series_per_formulation(tmp_path):
    key = "world.follower.catch_up"
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["compare", "baseline", "kill_switch", "-n", "2", *SMALL,
                                       "--formulations", key, "--no-series", "--no-plots",
                                       "-j", "1", "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["formulation_blocks"] == len(formulation_options()[key])
    lag = [row for row in data["formulations"] if row["outcome"] == LAG]
    assert sorted(row["option"] for row in lag) == sorted(formulation_options()[key])
    assert data["channels"] is None and not (out / fm.CHANNELS_NAME).exists()
    assert (out / fm.FORMULATIONS_NAME).exists()


def test_the_brief_escapes_formulations_csv_and_refuses_a_broken_one(per_formulation, tmp_path):
    import shutil

    from sim.brief.report import ReportError, read_folder, render_report

    folder = tmp_path / "copy"
    shutil.copytree(per_formulation[0], folder, ignore=shutil.ignore_patterns("formulations"))
    table = pd.read_csv(folder / fm.FORMULATIONS_NAME)
    table["label"] = "<script>alert(1)</script>"
    table["verdict"] = "robust: <img src=x onerror=alert(1)>"
    table["robustness"] = fm.ROBUST
    table.to_csv(folder / fm.FORMULATIONS_NAME, index=False)
    html = render_report(read_folder(folder))
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    table.drop(columns=["sign"]).to_csv(folder / fm.FORMULATIONS_NAME, index=False)
    with pytest.raises(ReportError, match="formulations.csv: missing columns sign"):
        read_folder(folder)
