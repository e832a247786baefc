"""Which policy effects are robust to how the model's decisive mechanisms are formulated.

A formulation field (`sim.scenario.schema.formulation_options`: e.g. how a competitor's labs
catch up, how many chips it makes under controls) is a categorical choice between named,
separately calibrated versions of one mechanism. A comparison *per formulation* runs the same
paired comparison (baseline and policies, common random numbers) once per *block*, a block
being one setting of the formulation fields applied to every scenario alike:

- one-at-a-time (`"all"`, or a list of keys): the reference block (every field as the
  baseline sets it) and, for each field, one block per other option with the other fields
  at the reference. 1 + sum(options - 1) blocks: 5 for two fields of three options.
- full factorial (`"full"`): every combination, prod(options) blocks (9 for two fields of
  three, 81 for four). It shows interactions (a policy that works only when two
  formulations coincide) at a cost that grows multiplicatively.

Every block uses the same replicate seeds, and under parameter uncertainty the same draws of
the numeric uncertain parameters (the formulation fields themselves are then fixed per block,
never drawn), so blocks differ only by the formulation: common random numbers across
formulations too.

Per policy and outcome, each block's effect (mean paired difference with its 95% interval)
gets a sign: +1 if the interval lies above zero, -1 below, 0 if it includes zero (no clear
effect), NaN with fewer than 2 defined pairs. The verdict over blocks (`robustness`):

- `robust`: the same sign, clear, under every formulation;
- `flips`: clearly one way under some formulations and clearly the other way under others;
- `partial`: clear (one way) under some, no clear effect under the others;
- `none`: no clear effect under any formulation;
- `undefined`: no block has 2 defined pairs.

"No clear effect" is a statement about the interval at the replicates run: with few pairs a
small real effect reads as `none` or `partial`, never as `flips`.

Folder layout: the reference block is the comparison folder itself (its `comparison.csv`,
`channels.csv`, series), each other block a complete comparison folder under
`formulations/<block>/`; `formulations.csv` (`COLUMNS`) holds every block's effect on every
outcome with the verdict, and `formulation_channels.csv` each block's channel decomposition
(`sim.experiments.channels`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

ONE_AT_A_TIME, FULL = "one-at-a-time", "full factorial"
ROBUST, FLIPS, PARTIAL, NONE, UNDEFINED = "robust", "flips", "partial", "none", "undefined"
FORMULATIONS_NAME, CHANNELS_NAME = "formulations.csv", "formulation_channels.csv"
BLOCKS_FOLDER = "formulations"
REFERENCE = "reference"
COLUMNS = ["policy", "outcome", "label", "unit", "field", "option", "block", "reference",
           "n_pairs_defined", "difference_mean", "ci95_low", "ci95_high", "share_better",
           "share_worse", "sign", "robustness", "verdict"]
"""`formulations.csv`: one row per policy, outcome, formulation field and option (the
reference block's row repeated under each field), differences in the outcome's `unit`;
`share_better`/`share_worse` of the block's pairs (0..1, each pair its own parameter draws
under --uncertainty; NaN for outcomes without a direction); `sign` +1/-1/0 (NaN: too few
pairs); `robustness` and `verdict` over all blocks."""


@dataclass(frozen=True)
class Block:
    """One setting of the formulation fields, applied to every scenario of a comparison.

    `settings` are the `--set` values the block applies (empty for the reference block);
    `values` every formulation field's value in the block (the reference's where not set)."""

    settings: Mapping[str, str]
    values: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_reference(self) -> bool:
        return not self.settings

    @property
    def name(self) -> str:
        """Folder-safe name: `reference`, or `key=option[,key=option]` (keys and options are
        schema names, never user text)."""
        if self.is_reference:
            return REFERENCE
        return ",".join(f"{key}={option}" for key, option in self.settings.items())


def reference_values(scenario: Any, keys: Sequence[str]) -> dict[str, str]:
    """Each formulation field's value in `scenario` (a validated Scenario), by `--set` key."""
    values = {}
    for key in keys:
        node = scenario
        for part in key.split("."):
            node = getattr(node, part)
        values[key] = str(node)
    return values


def parse_design(text: str, available: Mapping[str, Sequence[str]]) -> tuple[str, list[str]]:
    """(`ONE_AT_A_TIME` or `FULL`, the fields varied) from a `--formulations` value: `all`,
    `full`, or comma-separated keys of `available` (`formulation_options()`). ValueError
    naming the choices for anything else."""
    text = text.strip()
    if text in ("all", "full"):
        if not available:
            raise ValueError("this version of the model has no formulation fields")
        return (FULL if text == "full" else ONE_AT_A_TIME), list(available)
    keys = [key.strip() for key in text.split(",") if key.strip()]
    unknown = [key for key in keys if key not in available]
    if unknown or not keys:
        raise ValueError(f"{unknown[0] if unknown else text!r} is not a formulation field; "
                         f"expected all, full, none or keys among {', '.join(available)}")
    return ONE_AT_A_TIME, list(dict.fromkeys(keys))


def blocks(design: str, options: Mapping[str, Sequence[str]],
           reference: Mapping[str, str]) -> list[Block]:
    """The blocks of a design, the reference block first. `options` maps each varied field to
    its options, `reference` each field to the baseline's value."""
    keys = list(options)
    out = [Block({}, dict(reference))]
    if design == FULL:
        for combination in itertools.product(*(options[key] for key in keys)):
            setting = {key: option for key, option in zip(keys, combination, strict=True)
                       if option != reference[key]}
            if setting:
                out.append(Block(setting, {**reference, **setting}))
        return out
    for key in keys:
        out += [Block({key: option}, {**reference, key: option})
                for option in options[key] if option != reference[key]]
    return out


REPLICATE_SHARE = 2
"""Per formulation block, the default replicates are the scenario's divided by this (at least
`MIN_BLOCK_REPLICATES`): five blocks of half the replicates cost 2.5 times one comparison."""
MIN_BLOCK_REPLICATES = 8


def default_replicates(scenario_replicates: int, block_count: int) -> int:
    """The default paired replicates: the scenario's, or per formulation block a share of them
    (`REPLICATE_SHARE`), so that a per-formulation comparison stays affordable."""
    if block_count <= 1:
        return scenario_replicates
    return max(MIN_BLOCK_REPLICATES, scenario_replicates // REPLICATE_SHARE)


def plan(text: str | None, uncertainty: bool, baseline: Any
         ) -> tuple[str, list[Block]] | None:
    """(design, blocks) of a comparison per formulation, or None for a plain one. `text` is
    the `--formulations` value (None: `all` with parameter uncertainty, `none` without);
    `baseline` the validated baseline Scenario, whose values are the reference. ValueError
    for a value that names no design or field."""
    from sim.scenario.schema import formulation_options

    available = formulation_options()
    chosen = text if text is not None else ("all" if uncertainty and available else "none")
    if chosen.strip() == "none":
        return None
    design, keys = parse_design(chosen, available)
    reference = reference_values(baseline, list(available))
    return design, blocks(design, {key: available[key] for key in keys}, reference)


def uncertainty_draws(baseline: Any, root_seed: int, replicates: int, uncertainty: bool,
                      per_formulation: bool) -> list[dict[str, Any]]:
    """Each replicate's draws of the baseline's uncertain parameters (none without
    `uncertainty`); per formulation, the formulation fields are left out (fixed per block)."""
    if not uncertainty:
        return []
    from sim.experiments import uncertainty as parameter_uncertainty
    from sim.scenario.schema import formulation_options

    parameters = parameter_uncertainty.declared(baseline)
    if per_formulation:
        parameters = strip_formulations(parameters, list(formulation_options()))
    return parameter_uncertainty.draws(parameters, root_seed, replicates)


def strip_formulations(parameters: Sequence[Any], keys: Sequence[str]) -> list[Any]:
    """The uncertain parameters less the formulation fields (fixed per block, never drawn)."""
    return [p for p in parameters if p.key not in set(keys)]


def block_scenarios(scenarios: Mapping[str, Mapping[str, Any]],
                    block: Block) -> dict[str, dict[str, Any]]:
    """Every scenario (name -> raw TOML dict) with the block's settings applied, validated.
    ScenarioError if a setting makes a scenario invalid."""
    import tomllib

    from sim.experiments.uncertainty import with_values

    if block.is_reference:
        return {name: dict(raw) for name, raw in scenarios.items()}
    return {name: tomllib.loads(with_values(raw, block.settings, "--formulations").to_toml())
            for name, raw in scenarios.items()}


def block_folder(folder: Path, block: Block) -> Path:
    """Where a block's comparison is written: the folder itself for the reference block."""
    return Path(folder) if block.is_reference else Path(folder) / BLOCKS_FOLDER / block.name


def run_blocks(folder: Path, scenarios: Mapping[str, Mapping[str, Any]],
               design_blocks: Sequence[Block], root_seed: int, replicates: int,
               executor: Any, progress: Callable[[int], None] | None = None,
               save_series: bool = True, replicate_values: Sequence[Mapping[str, Any]] = (),
               design: str = ONE_AT_A_TIME) -> dict[str, pd.DataFrame]:
    """Run the paired comparison once per block, each with the same seeds and draws; return
    block name -> runs table. The reference block writes into `folder` (which must be empty),
    the others into `formulations/<block>/`; the folder's manifest lists the blocks
    (`formulations`). ScenarioError if a block's setting makes a scenario invalid (checked
    before anything runs)."""
    from sim.experiments.compare import _read_manifest, _write_manifest, run_comparison

    inputs = {block.name: block_scenarios(scenarios, block) for block in design_blocks}
    runs = {}
    for block in design_blocks:
        runs[block.name] = run_comparison(
            block_folder(folder, block), inputs[block.name], root_seed, replicates, executor,
            False, progress, save_series, replicate_values)
    manifest = _read_manifest(Path(folder))
    manifest["formulations"] = {
        "design": design, "replicates_per_block": int(replicates),
        "blocks": [{"name": block.name, "settings": dict(block.settings),
                    "values": dict(block.values),
                    "folder": str(block_folder(Path("."), block))} for block in design_blocks],
    }
    _write_manifest(Path(folder), manifest)
    return runs


# Robustness over blocks ----------------------------------------------------------------------


def effect_sign(low: float, high: float, n_defined: int) -> float:
    """+1 if the 95% interval lies above zero, -1 below, 0 if it includes zero, NaN if fewer
    than 2 pairs define it."""
    if n_defined < 2 or not (math.isfinite(low) and math.isfinite(high)):
        return math.nan
    if low > 0.0:
        return 1.0
    if high < 0.0:
        return -1.0
    return 0.0


def robustness(signs: Sequence[float]) -> str:
    """The verdict over blocks from each block's `effect_sign` (module docstring)."""
    defined = [s for s in signs if not math.isnan(s)]
    if not defined:
        return UNDEFINED
    clear = {s for s in defined if s != 0.0}
    if clear == {1.0, -1.0}:
        return FLIPS
    if not clear:
        return NONE
    # One clear direction: robust only if it holds under every block (an undefined block
    # does not show it).
    return ROBUST if len(defined) == len(signs) and 0.0 not in defined else PARTIAL


def effects(design_blocks: Sequence[Block], tables: Mapping[str, pd.DataFrame],
            design: str) -> pd.DataFrame:
    """`formulations.csv` without words: per policy and outcome, one row per field and option
    (one-at-a-time; the reference block under each field) or per block (full factorial), each
    block's paired difference, and the robustness over blocks. `tables` maps each block's
    name to its comparison table (`sim.experiments.compare.COMPARISON_COLUMNS`)."""
    keyed = {name: table.set_index(["policy", "outcome"]) for name, table in tables.items()}
    rows = []
    for policy, outcome in keyed[REFERENCE].index:
        per_block = {block.name: keyed[block.name].loc[(policy, outcome)]
                     for block in design_blocks}
        signs = {name: effect_sign(float(row["ci95_low"]), float(row["ci95_high"]),
                                   int(row["n_pairs_defined"]))
                 for name, row in per_block.items()}
        verdict = robustness(list(signs.values()))
        for field_name, option, block in _rows_of(design_blocks, design):
            row = per_block[block.name]
            rows.append({"policy": policy, "outcome": outcome, "field": field_name,
                         "option": option, "block": block.name,
                         "reference": block.is_reference,
                         "n_pairs_defined": int(row["n_pairs_defined"]),
                         "difference_mean": float(row["difference_mean"]),
                         "ci95_low": float(row["ci95_low"]),
                         "ci95_high": float(row["ci95_high"]),
                         "share_better": float(row.get("share_better", math.nan)),
                         "share_worse": float(row.get("share_worse", math.nan)),
                         "sign": signs[block.name],
                         "robustness": verdict})
    columns = [c for c in COLUMNS if c not in ("label", "unit", "verdict")]
    return pd.DataFrame(rows, columns=columns)


def _rows_of(design_blocks: Sequence[Block], design: str) -> list[tuple[str, str, Block]]:
    """(field, option, block) per table row: one-at-a-time lists each field's options (the
    reference block as each field's reference option); full factorial each block once."""
    reference = next(block for block in design_blocks if block.is_reference)
    if design == FULL:
        return [("all", ",".join(block.values.values()), block) for block in design_blocks]
    rows = []
    fields = list(dict.fromkeys(key for block in design_blocks for key in block.settings))
    for key in fields:
        rows.append((key, reference.values[key], reference))
        rows += [(key, block.settings[key], block) for block in design_blocks
                 if list(block.settings) == [key]]
    if not fields:
        rows.append(("", "", reference))
    return rows


def channel_table(design_blocks: Sequence[Block],
                  decompositions: Mapping[str, pd.DataFrame | None]) -> pd.DataFrame:
    """Every block's channel decomposition (`channels.csv` rows; block name -> table) with
    the block's `block` name and each formulation field's value as leading columns; empty if
    no block kept series."""
    frames = []
    for block in design_blocks:
        table = decompositions.get(block.name)
        if table is None or table.empty:
            continue
        framed = table.copy()
        framed.insert(0, "block", block.name)
        for position, (key, value) in enumerate(block.values.items(), start=1):
            framed.insert(position, key, value)
        frames.append(framed)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table with the fixed float format every results CSV uses, text cells made
    safe (`sim.experiments.csv_cells`)."""
    from sim.experiments.csv_cells import write_csv

    write_csv(frame, path)
    return path

