"""What a comparison adds to its runs: the paired-difference table with a verdict per policy
and outcome, written as `comparison.csv`, and the comparison plot. Shared by `regsim compare`
and `sim.compare`, so the command's folder and the API's results are the same."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd


def key_outcomes(runs: pd.DataFrame, states: dict[str, str]) -> list[str]:
    """The headline outcomes a comparison prints and plots by default, among its outcomes."""
    from sim.experiments.compare import numeric_outcomes
    from sim.presentation.tables import KEY_OUTCOMES

    available = numeric_outcomes(runs)
    return [key for key, _ in KEY_OUTCOMES(list(states), available) if key in available]


def finish_comparison(folder: Path, runs: pd.DataFrame, names: Sequence[str],
                      states: dict[str, str], shown: Sequence[str] = (),
                      plots: bool = True) -> pd.DataFrame:
    """Compare every numeric outcome of `runs` (policy minus baseline `names[0]`, paired by
    replicate), add each row's plain-language `verdict` (states named by `states`, name ->
    label), write `comparison.csv` and, with `plots`, `plots/comparison.png` of the `shown`
    outcomes (default: the key outcomes). With the monthly series kept, also decompose each
    effect on each state by channel (`channels.csv`, `plots/channel_effects.png`). Returns the
    table (`COMPARISON_COLUMNS` and `verdict`; differences in each outcome's units). Marks the
    folder's manifest complete once everything is written."""
    from sim.experiments.compare import (
        mark_complete,
        numeric_outcomes,
        paired_comparison,
        write_comparison,
    )
    from sim.presentation.compare_report import verdict

    table = paired_comparison(runs, names[0], list(names[1:]), numeric_outcomes(runs))
    table["verdict"] = [verdict(row, states) for row in table.to_dict(orient="records")]
    write_comparison(table, Path(folder))
    if plots:
        from sim.plots.compare import write_comparison_plot

        write_comparison_plot(runs, table, names[0], list(shown) or key_outcomes(runs, states),
                              Path(folder) / "plots" / "comparison.png", states)
    write_channel_decomposition(folder, names, states, plots)
    mark_complete(Path(folder))
    return table


def write_channel_decomposition(folder: Path, names: Sequence[str], states: dict[str, str],
                                plots: bool = True) -> pd.DataFrame | None:
    """Decompose each policy's effect on each state by channel from the folder's monthly
    series (`sim.experiments.channels`); write `channels.csv` and, with `plots`,
    `plots/channel_effects.png`. None (and nothing written) when the comparison kept no
    series."""
    from sim.experiments.channels import decompose_folder, write_channels

    decomposed = decompose_folder(Path(folder), list(names), list(states))
    if decomposed is None or decomposed[0].empty:
        return None
    table = decomposed[0]
    write_channels(table, Path(folder))
    if plots:
        from sim.plots.compare import write_channel_plot

        write_channel_plot(table, Path(folder) / "plots" / "channel_effects.png", states)
    return table


def finish_formulations(folder: Path, design: str, design_blocks: Sequence,
                        runs: dict[str, pd.DataFrame], names: Sequence[str],
                        states: dict[str, str], shown: Sequence[str] = (),
                        plots: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Finish a comparison run per formulation (`sim.experiments.formulations.run_blocks`):
    each block's comparison (`finish_comparison`; plots only for the reference block, which
    is `folder` itself), then `formulations.csv` (every block's effect on every outcome, with
    `label`, `unit`, `sign`, `robustness` and the plain `verdict`) and
    `formulation_channels.csv` (every block's channel decomposition). Returns (the reference
    block's comparison table, the formulations table)."""
    from sim.experiments import formulations as fm
    from sim.presentation.formulation_report import add_verdicts

    tables, decompositions = {}, {}
    for block in design_blocks:
        where = fm.block_folder(folder, block)
        tables[block.name] = finish_comparison(where, runs[block.name], names, states, shown,
                                               plots=plots and block.is_reference)
        path = where / "channels.csv"
        decompositions[block.name] = pd.read_csv(path) if path.exists() else None
    frame = add_verdicts(fm.effects(design_blocks, tables, design), states)
    fm.write_table(frame, Path(folder) / fm.FORMULATIONS_NAME)
    channels = fm.channel_table(design_blocks, decompositions)
    if not channels.empty:
        fm.write_table(channels, Path(folder) / fm.CHANNELS_NAME)
    return tables[fm.REFERENCE], frame
