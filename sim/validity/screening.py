"""Morris screening of the baseline: which parameters move the headline outcomes? [Morris91]

Every numeric parameter whose default says "assumption" or rests on one anecdote, plus the ones
already declared uncertain, is varied over a range (`FACTORS`, each with why the range spans
what it does) in a Morris design (SALib; `TRAJECTORIES` trajectories of `len(FACTORS) + 1`
points on a 4-level grid). Each point runs `baseline` and `kill_switch` with the same overrides
on the same seeds (common random numbers), so an elementary effect compares like with like and
the kill switch's effect is a paired difference.

Outcomes (per point, the mean over `REPLICATES` replicates): the PRC's all-channel and own-lab
mean lag, the open-weight lag (months, 2024-33), the labs' total regulatory cost (USD M: cash
compliance, penalties and private value forgone), and the kill switch's effect (kill_switch
minus baseline) on the open lag, the PRC's lag and that cost.

A factor is **decisive** for an outcome when its `mu_star` (mean absolute elementary effect over
the factor's full range) exceeds both the Monte Carlo half-width of a 20-replicate mean of that
outcome at the defaults (`NOISE_SEEDS` replicates measure it) and the `mu_star` of a dummy
factor that changes nothing (what seed noise alone gives an elementary effect).

Run: `nice python -m sim.validity.screening --workers 2 --out docs/screening.csv` (about 3
CPU-minutes at the settings below; docs/screening.md has the result, docs/model.md §9.5 the
parameters it made uncertain).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

ADOPTERS = 2_000
"""Adopters per run: outcomes are shares, so this sets precision, not results."""
TRAJECTORIES = 8
REPLICATES = 2
NOISE_SEEDS = 12
SEED = 20261207
MC_REPLICATES = 20
"""The replicates of a headline figure (regsim run's default): the Monte Carlo interval a
decisive effect must exceed is that of a mean over this many replicates."""

STATE = "prc"
COSTS = ("cash_compliance_musd", "penalties_musd", "private_value_forgone_musd")
OUTCOMES = {
    "prc_lag": "PRC lag, all channels (months)",
    "prc_own_lag": "PRC own labs' lag (months)",
    "open_lag": "open-weight lag (months)",
    "cost": "labs' regulatory cost, baseline (USD M)",
    "ks_open_lag": "kill switch: effect on open lag (months)",
    "ks_prc_lag": "kill switch: effect on PRC lag (months)",
    "ks_cost": "kill switch: effect on labs' cost (USD M)",
}


@dataclass(frozen=True)
class Factor:
    """One screened parameter: its scenario keys, range and why the range spans what it does.

    `kind` is "set" (every key gets the value), "scale" (every key's baseline value is
    multiplied by the value) or "dummy" (changes nothing: the noise floor).
    """

    name: str
    keys: tuple[str, ...]
    low: float
    high: float
    why: str
    kind: str = "set"
    scale: str = "linear"
    integer: bool = False

    def value(self, unit: float) -> float:
        """The factor's value at `unit` in [0, 1]."""
        if self.scale == "log":
            value = math.exp(math.log(self.low) + unit * (math.log(self.high) - math.log(self.low)))
        else:
            value = self.low + unit * (self.high - self.low)
        return float(round(value)) if self.integer else value


# Keys of every lab (named and groups) that sets a field, or all labs for the default ----------
US_LABS = ("openai", "google_deepmind", "anthropic", "meta", "xai", "nvidia", "inflection")
CN_LEADERS = ("zhipu", "bytedance", "huawei", "qwen", "deepseek", "moonshot", "minimax")
OPEN_LABS = ("meta", "nvidia", "mistral", "zhipu", "qwen", "deepseek", "moonshot", "minimax")
ALL_LABS = (*US_LABS, "mistral", "aramco", *CN_LEADERS)
GROUPS = ("us_open_startups", "other_closed", "cn_open_tail")


def lab_keys(field: str, labs: Sequence[str] = ALL_LABS, groups: Sequence[str] = GROUPS):
    return tuple(f"developers.{lab}.{field}" for lab in labs) + tuple(
        f"developer_groups.{group}.{field}" for group in groups)


CHIPS = "regulators.us_federal.policies.chip_export_controls"

FACTORS: tuple[Factor, ...] = (
    # Already declared uncertain in the baseline ------------------------------------------------
    Factor("algo_efficiency", ("world.algo_efficiency_growth_oom_per_year",), 0.26, 0.72,
           "Ho et al. 2024: 95% CI 1.8-5.3x/yr"),
    Factor("flop_price_decline", ("world.compute.flop_price_decline_per_year",), 1.4, 2.5,
           "[D] 4-5x/yr compute over 2.0-2.9x/yr spending; 1.4x/yr is GPU price-performance"),
    Factor("ceiling_2025", ("world.compute.ceiling_flop_2025",), 6e26, 3e27,
           "assumption: above Grok-3's 4.6e26 up to a few times it", scale="log"),
    Factor("ceiling_2030", ("world.compute.ceiling_flop_2030",), 1e28, 3e29,
           "Sevilla et al. 2024: 1e28-3e29 on one campus", scale="log"),
    Factor("theft_hazard", ("world.theft.hazard_per_month_at_parity",), 0.0, 0.002,
           "public record: <= 0.8%/lab-month at 95%, with 30% detection"),
    Factor("theft_detection", ("world.theft.public_detection_probability",), 0.1, 0.7,
           "assumption: most intrusions are never disclosed; two of the known ones were"),
    Factor("leakage_share", ("world.follower.leakage_share",), 0.3, 0.95,
           "assumption: proxies carried distillation into 2026 (Anthropic 2026)"),
    Factor("publicity", ("world.derivative_publicity_per_month",), 0.02, 0.2,
           "assumption around the one case on record (ChatBIT)", scale="log"),
    Factor("distillation_hazard", (f"states.{STATE}.distillation_hazard_per_month",), 0.05, 0.6,
           "assumption: campaigns ran continuously 2024-26"),
    Factor("distillation_discount", (f"states.{STATE}.distillation_discount_oom",), 0.1, 0.8,
           "R1 distills reach 87-97% on reasoning, little on knowledge"),
    # The follower and the state --------------------------------------------------------------
    Factor("follower_delay", ("world.follower.delay_months",), 1, 7,
           "R1 distills came days after R1; DeepSeek-V3 ~7 months after GPT-4o", integer=True),
    Factor("closed_teacher_extra", ("world.follower.closed_teacher_extra_oom",), 0.0, 0.3,
           "assumption: imitation copies style more than knowledge (Gudibande et al. 2023)"),
    Factor("follower_discount", lab_keys("follower_discount_oom", CN_LEADERS, ("cn_open_tail",)),
           0.5, 3.0, "the leaders' 0.2 OOM x 0.5-3: the schema's 0.1-0.6", kind="scale",
           scale="log"),
    Factor("cn_capability_offset", lab_keys("capability_offset_oom", CN_LEADERS,
                                            ("cn_open_tail",)), -0.3, 0.3,
           "assumption: Chinese models' efficiency edge or handicap (replay: early GPT-4 date)"),
    Factor("distillation_months", (f"states.{STATE}.distillation_months",), 1, 6,
           "assumption: a campaign of weeks to half a year", integer=True),
    Factor("absorption_discount", (f"states.{STATE}.absorption_discount_oom",), 0.0, 0.3,
           "assumption: a military fine-tune loses little"),
    # Chips ------------------------------------------------------------------------------------
    Factor("substitution_2024", (f"{CHIPS}.domestic_substitution_2024",), 0.05, 0.3,
           "BIS <= 200k Ascend in 2025 vs SemiAnalysis ~805k, against > 2M Nvidia"),
    Factor("substitution_growth", (f"{CHIPS}.domestic_substitution_growth_per_year",), 0.0,
           0.15, "assumption: 0 if HBM binds (SemiAnalysis: ~300k in 2026) to 3x the default"),
    Factor("smuggling", (f"{CHIPS}.smuggling_leak_share",), 0.01, 0.4,
           "CNAS 2025: 1-40% of PRC training compute"),
    Factor("chip_strength", (f"{CHIPS}.strength",), 0.5, 0.9,
           "[D] ~4-year hardware lead ~ 3/4 denied; assumption for the exact value"),
    # Budgets and spending ---------------------------------------------------------------------
    Factor("spending_growth_us", lab_keys("spending_growth_per_year", (*US_LABS, "mistral",
                                                                       "aramco"),
                                          ("us_open_startups", "other_closed")), 2.0, 2.9,
           "Cottier et al. 2024: 90% CI 2.0-2.9x/yr"),
    Factor("spending_growth_cn", lab_keys("spending_growth_per_year", CN_LEADERS,
                                          ("cn_open_tail",)), 1.3, 2.1,
           "[D] Epoch's ~3x/yr (2-4x/yr) for top Chinese models over the price decline"),
    Factor("startup_budget", ("developer_groups.us_open_startups.run_budget_musd",), 0.75, 12.0,
           "assumption: 3 $M x 1/4-4 (DBRX/OLMo-class to a Reflection-AI-class raise)",
           scale="log"),
    Factor("startup_max_budget", ("developer_groups.us_open_startups.max_run_budget_musd",),
           200.0, 4000.0, "Reflection AI raised $2B in Oct 2025 [Reflection25]; x1/10-2",
           scale="log"),
    Factor("cn_tail_budget", ("developer_groups.cn_open_tail.run_budget_musd",), 0.5, 8.0,
           "assumption: 2 $M x 1/4-4", scale="log"),
    # The labs' choice utilities ------------------------------------------------------------
    Factor("openness_value", lab_keys("openness_value_musd", OPEN_LABS,
                                      ("us_open_startups", "cn_open_tail")), 0.25, 4.0,
           "assumption: every lab's stated value x 1/4-4", kind="scale", scale="log"),
    Factor("capability_value", lab_keys("capability_value_musd_per_oom"), 0.25, 4.0,
           "assumption: x 1/4-4", kind="scale", scale="log"),
    Factor("delay_cost", lab_keys("delay_cost_musd_per_month"), 0.25, 4.0,
           "assumption: x 1/4-4 (a quarter of a month's revenue for OpenAI)", kind="scale",
           scale="log"),
    Factor("revenue", lab_keys("annual_revenue_musd"), 0.5, 2.0,
           "market-loss weight: revenues x 1/2-2 (OpenAI's 2024 ~$3.7B is the one sourced)",
           kind="scale", scale="log"),
    Factor("relocation_cost", lab_keys("relocation_cost_musd"), 0.25, 4.0,
           "assumption: x 1/4-4", kind="scale", scale="log"),
    Factor("defiance_reputation", lab_keys("defiance_reputation_share"), 0.05, 0.5,
           "assumption: share of sales lost by open defiance"),
    Factor("logit_noise", ("world.compliance.relative_temperature",), 0.1, 0.5,
           "assumption: an option 10-50% costlier is chosen e^-1 as often"),
    Factor("noise_floor", ("world.compliance.temperature_floor_share",), 0.003, 0.03,
           "assumption", scale="log"),
    Factor("shade_margin", ("world.compliance.shade_margin_oom",), 0.02, 0.2, "assumption"),
    Factor("planning_horizon", ("world.compliance.planning_horizon_months",), 12, 60,
           "assumption: one to five years of covered releases", integer=True),
    Factor("split_kept", ("world.compliance.split_openness_kept_share",), 0.2, 0.8,
           "assumption"),
    Factor("exit_cost", ("world.compliance.exit_cost_multiplier",), 1.0, 10.0,
           "assumption: no lab left a major jurisdiction in 2023-25", scale="log"),
    # Diffusion and publicity -----------------------------------------------------------------
    Factor("bass_q", ("world.ecosystem.bass_q_per_month",), 0.3, 3.0,
           "[D] long-tail 0.3-0.6, launch 3-8/month", scale="log"),
    Factor("newsworthy", ("world.derivative_newsworthy_months",), 12, 36, "assumption",
           integer=True),
    Factor("aup_detection", ("world.aup_detection_multiplier",), 1.0, 3.0, "assumption"),
    Factor("max_theft_hazard", ("world.theft.max_hazard_per_month",), 0.02, 0.1, "assumption",
           scale="log"),
    Factor("theft_per_tier", ("world.theft.hazard_multiplier_per_tier",), 1.5, 4.0,
           "RAND 2024 feasibility scale"),
    Factor("dummy", (), 0.0, 1.0, "changes nothing: the noise floor of an elementary effect",
           kind="dummy"),
)


# Running a point -------------------------------------------------------------------------------
def _base_values() -> dict[str, Any]:
    """Every key's value in the resolved baseline (scale factors multiply these)."""
    from sim.scenario.loader import find_scenario, load_scenario

    scenario = load_scenario(find_scenario("baseline"))
    data = scenario.model_dump()
    values: dict[str, Any] = {}
    for factor in FACTORS:
        if factor.kind != "scale":
            continue
        for key in factor.keys:
            values[key] = _lookup(data, key)
    return values


def _lookup(data: dict[str, Any], key: str) -> Any:
    parts = key.split(".")
    node: Any = data
    index = 0
    while index < len(parts):
        part = parts[index]
        if isinstance(node, list):
            node = next(item for item in node if (item.get("name") or item.get("kind")) == part)
        else:
            node = node[part]
        index += 1
    return node


def point_overrides(unit_row: Sequence[float], base: dict[str, Any]) -> list[str]:
    """The `--set` overrides of one design point."""
    overrides = [f"world.ecosystem.adopters={ADOPTERS}"]
    for factor, unit in zip(FACTORS, unit_row, strict=True):
        value = factor.value(float(unit))
        for key in factor.keys:
            if factor.kind == "scale":
                scaled = base[key]
                if scaled is None:
                    continue
                overrides.append(f"{key}={_toml(scaled * value)}")
            elif factor.kind == "set":
                overrides.append(f"{key}={_toml(value, factor.integer)}")
    return overrides


def _toml(value: float, integer: bool = False) -> str:
    return str(int(value)) if integer else repr(float(value))


def run_point(overrides: Sequence[str], seeds: Sequence[int]) -> dict[str, float]:
    """Mean outcomes of baseline and kill_switch on `seeds` with `overrides`."""
    from sim.experiments.runner import run_replicate
    from sim.scenario.loader import find_scenario, load_scenario

    base = load_scenario(find_scenario("baseline"), overrides)
    switch = load_scenario(find_scenario("kill_switch"), overrides)
    rows = []
    for seed in seeds:
        b = run_replicate(base, seed, timeseries=False).summary
        k = run_replicate(switch, seed, timeseries=False).summary
        rows.append({
            "prc_lag": b[f"state_mean_lag_months__{STATE}"],
            "prc_own_lag": b[f"state_mean_domestic_lag_months__{STATE}"],
            "open_lag": b["mean_open_lag_months"],
            "cost": sum(b[c] for c in COSTS),
            "ks_open_lag": k["mean_open_lag_months"] - b["mean_open_lag_months"],
            "ks_prc_lag": k[f"state_mean_lag_months__{STATE}"]
            - b[f"state_mean_lag_months__{STATE}"],
            "ks_cost": sum(k[c] for c in COSTS) - sum(b[c] for c in COSTS),
        })
    return {key: float(np.mean([row[key] for row in rows])) for key in OUTCOMES}


def _run_task(task: tuple[list[str], list[int]]) -> dict[str, float]:
    return run_point(*task)


# The design and its analysis ------------------------------------------------------------------
def problem() -> dict[str, Any]:
    return {"num_vars": len(FACTORS), "names": [f.name for f in FACTORS],
            "bounds": [[0.0, 1.0]] * len(FACTORS)}


def screen(workers: int = 1, trajectories: int = TRAJECTORIES, replicates: int = REPLICATES,
           noise_seeds: int = NOISE_SEEDS, seed: int = SEED,
           progress: Callable[[int, int], None] | None = None):
    """Run the Morris design and the noise runs; returns (table, noise, settings)."""
    import pandas as pd
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    from sim.experiments.seeds import replicate_seeds

    unit = sample.sample(problem(), trajectories, num_levels=4, seed=seed)
    base = _base_values()
    seeds = list(replicate_seeds(seed, max(replicates, noise_seeds)))
    tasks = [(point_overrides(row, base), seeds[:replicates]) for row in unit]
    defaults = [f"world.ecosystem.adopters={ADOPTERS}"]
    tasks += [(defaults, [s]) for s in seeds[:noise_seeds]]
    results = _map(tasks, workers, progress)
    points, noise_runs = results[:len(unit)], results[len(unit):]
    noise = pd.DataFrame(noise_runs)
    rows = []
    for outcome, label in OUTCOMES.items():
        y = np.array([r[outcome] for r in points], dtype=float)
        result = analyze.analyze(problem(), unit, y, num_levels=4, seed=seed)
        sd = float(noise[outcome].std(ddof=1))
        mc_half = 1.96 * sd / math.sqrt(MC_REPLICATES)
        dummy = float(result["mu_star"][-1])
        for index, factor in enumerate(FACTORS):
            mu_star = float(result["mu_star"][index])
            rows.append({
                "outcome": outcome, "outcome_label": label, "factor": factor.name,
                "mu_star": mu_star, "mu_star_conf": float(result["mu_star_conf"][index]),
                "mu": float(result["mu"][index]), "sigma": float(result["sigma"][index]),
                "mc_half_width": mc_half, "dummy_mu_star": dummy,
                "decisive": bool(factor.kind != "dummy" and mu_star > max(mc_half, dummy)),
            })
    settings = {"adopters": ADOPTERS, "trajectories": trajectories, "points": len(unit),
                "replicates_per_point": replicates, "noise_seeds": noise_seeds, "seed": seed,
                "factors": len(FACTORS), "runs": 2 * (len(unit) * replicates) + 2 * noise_seeds}
    return pd.DataFrame(rows), noise, settings


def _map(tasks, workers: int, progress) -> list[dict[str, float]]:
    if workers <= 1:
        out = []
        for done, task in enumerate(tasks, 1):
            out.append(_run_task(task))
            if progress:
                progress(done, len(tasks))
        return out
    from sim.experiments.executors import open_executor

    # regsim's own pool: workers that import nothing from the working directory, leave Ctrl-C
    # to this process and die with it, forked warm where the platform allows.
    with open_executor(workers) as info:
        out = []
        for done, result in enumerate(info.executor.map(_run_task, tasks, chunksize=4), 1):
            out.append(result)
            if progress and done % 10 == 0:
                progress(done, len(tasks))
        return out


def decisive_table(table) -> str:
    """Markdown: each factor's mu_star per outcome (bold where decisive), decisive ones first."""
    wide = table.pivot(index="factor", columns="outcome", values="mu_star")
    flags = table.pivot(index="factor", columns="outcome", values="decisive")
    names = [f.name for f in FACTORS]
    counts = flags.sum(axis=1)
    order = sorted(names, key=lambda name: (-int(counts[name]), names.index(name)))
    header = "| factor | range | " + " | ".join(OUTCOMES) + " | decisive for |"
    lines = [header, "|" + "---|" * (len(OUTCOMES) + 3)]
    by_name = {f.name: f for f in FACTORS}
    for name in order:
        factor = by_name[name]
        cells = []
        for outcome in OUTCOMES:
            value = wide.loc[name, outcome]
            text = f"{value:.3g}"
            cells.append(f"**{text}**" if flags.loc[name, outcome] else text)
        span = (f"x{factor.low:g}-{factor.high:g}" if factor.kind == "scale"
                else f"{factor.low:g}-{factor.high:g}")
        lines.append(f"| {name} | {span} | " + " | ".join(cells) + f" | {int(counts[name])} |")
    thresholds = table.groupby("outcome")[["mc_half_width", "dummy_mu_star"]].first()
    lines.append("| *threshold: MC half-width (20 replicates)* | | " + " | ".join(
        f"{thresholds.loc[o, 'mc_half_width']:.3g}" for o in OUTCOMES) + " | |")
    lines.append("| *threshold: dummy factor* | | " + " | ".join(
        f"{thresholds.loc[o, 'dummy_mu_star']:.3g}" for o in OUTCOMES) + " | |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screening.csv", help="CSV of every index")
    parser.add_argument("--markdown", default=None, help="also write the Markdown table here")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--trajectories", type=int, default=TRAJECTORIES)
    parser.add_argument("--replicates", type=int, default=REPLICATES)
    parser.add_argument("--table-from", default=None,
                        help="only print the Markdown table of an earlier run's CSV")
    args = parser.parse_args(argv)
    if args.table_from:
        import pandas as pd

        print(decisive_table(pd.read_csv(args.table_from)))
        return 0
    started = time.process_time()
    table, _, settings = screen(args.workers, args.trajectories, args.replicates,
                                progress=lambda d, n: print(f"{d}/{n}", file=sys.stderr,
                                                            flush=True))
    table.to_csv(args.out, index=False, float_format="%.6g", lineterminator="\n")
    text = decisive_table(table)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as handle:
            handle.write(f"Settings: {settings}\n\n{text}")
    print(text)
    print(f"settings: {settings}; parent CPU {time.process_time() - started:.0f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
