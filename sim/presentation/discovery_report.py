"""Plain-text console tables of scenario discovery and robustness results.

Numbers use the shared formatter (`sim.presentation.tables.format_number`); outcome labels
and units come from `outcome_label`, which shows an unknown outcome by its key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sim.presentation.tables import format_number, outcome_label

if TYPE_CHECKING:
    from sim.analysis.discovery import Discovery
    from sim.analysis.robustness import Robustness


def format_discovery(discovery: Discovery) -> str:
    """The question, the chosen box with its restricted dimensions, the feature scores and
    the whole peeling trajectory (the chosen box marked `*`)."""
    chosen = discovery.chosen
    cases = "design points" if discovery.per == "point" else "runs"
    lines = [f"cases of interest: {discovery.n_of_interest} of {discovery.n_cases} {cases} with "
             f"{_asked(discovery)}"]
    if discovery.n_left_out:
        lines.append(f"left out: {discovery.n_left_out} {cases} where the outcome is undefined")
    lines.append(f"box {discovery.chosen_box} of {len(discovery.trajectory)} on the peeling "
                 f"trajectory ({discovery.choice}): coverage {chosen['coverage']:.2f}, density "
                 f"{chosen['density']:.2f}, mass {chosen['mass']:.2f}")
    lines += ["", "restricted dimensions, most significant first:"]
    lines += _table(("parameter", "kind", "in the box", "over the design", "quasi-p"),
                    [_box_row(row) for row in discovery.box.to_dict(orient="records")]
                    or [("(none: the box is the whole design)", "", "", "", "")])
    lines += ["", "feature scores (extra trees; share of impurity decrease):"]
    lines += _table(("rank", "parameter", "kind", "cases of interest", "outcome value"),
                    [(str(r["rank"]), r["parameter"], r["kind"], _share(r["score_cases"]),
                      _share(r["score_outcome"]))
                     for r in discovery.feature_scores.to_dict(orient="records")])
    if discovery.constant_parameters:
        lines.append(f"not scored (constant over the cases): "
                     f"{', '.join(discovery.constant_parameters)}")
    lines += ["", "peeling trajectory (pick another box with --box INDEX):"]
    lines += _table(("box", "coverage", "density", "mass", "restricted"),
                    [(("*" if r["box"] == discovery.chosen_box else "") + str(r["box"]),
                      f"{r['coverage']:.3f}", f"{r['density']:.3f}", f"{r['mass']:.3f}",
                      r["restricted"]) for r in discovery.trajectory.to_dict(orient="records")])
    stop = discovery.peeling_stop
    if stop:
        lines.append(f"peeling stopped at mass {stop['mass']:.3f}: {stop['reason']}")
    return "\n".join(lines + _box_tests(discovery))


def _asked(discovery: Discovery) -> str:
    if discovery.rule == "where":
        asked = " and ".join(discovery.where)
    else:
        asked = (f"{outcome_label(discovery.outcome)} {discovery.rule} "
                 f"{format_number(discovery.value)}")
    return f"{asked}, as the paired effect of {discovery.effect}" if discovery.effect else asked


def _box_tests(discovery: Discovery) -> list[str]:
    """CART's leaves, the resampling and the drop-restriction tables, where computed."""
    lines: list[str] = []
    if discovery.cart is not None:
        lines += ["", "CART leaves as boxes (* the best leaf):"]
        lines += _table(("leaf", "coverage", "density", "mass", "parameter", "limits"),
                        [(("*" if r["best"] else "") + str(r["leaf"]), f"{r['coverage']:.3f}",
                          f"{r['density']:.3f}", f"{r['mass']:.3f}", r["parameter"] or "-",
                          f"{{{r['levels']}}}" if r["levels"] else
                          (f"{value_text(r['low'])} to {value_text(r['high'])}"
                           if r["parameter"] else ""))
                         for r in discovery.cart.to_dict(orient="records")])
    if discovery.resampling is not None:
        lines += ["", f"resampling: share of {discovery.settings.get('resamples')} PRIM boxes "
                      "on random halves of the cases that restrict each dimension:"]
        lines += _table(("parameter", "reappears", "in the box"),
                        [(r["parameter"], f"{r['reappears']:.2f}", "yes" if r["in_box"] else "no")
                         for r in discovery.resampling.to_dict(orient="records")])
    if discovery.drops is not None:
        lines += ["", "the box with one restriction dropped:"]
        lines += _table(("dropped", "coverage", "density", "mass"),
                        [(r["dropped"] or "(none)", f"{r['coverage']:.3f}",
                          f"{r['density']:.3f}", f"{r['mass']:.3f}")
                         for r in discovery.drops.to_dict(orient="records")])
    return lines


def _box_row(row: dict) -> tuple[str, ...]:
    if row["levels"] or row["design_levels"]:
        inside, design = f"{{{row['levels']}}}", f"{{{row['design_levels']}}}"
    else:
        inside = f"{value_text(row['low'])} to {value_text(row['high'])}"
        design = f"{value_text(row['design_low'])} to {value_text(row['design_high'])}"
    qp = row["qp_value"]
    return (row["parameter"], row["kind"], inside, design,
            "n/a" if qp != qp else f"{qp:.2g}")


def value_text(value: float) -> str:
    """A design parameter's value to three significant figures (parameters span many orders
    of magnitude: a hazard of 0.0005 per month, a threshold of 1e+26 FLOP)."""
    return "n/a" if value != value else f"{value:.3g}"


def _share(value: float) -> str:
    return "n/a" if value != value else f"{value:.3f}"


def format_robustness(robustness: Robustness) -> str:
    """Per outcome, each lever combination's mean and regrets; then the satisficing shares."""
    futures = len(robustness.futures)
    lines = [f"{len(robustness.combinations)} lever combinations x {futures} futures "
             f"(levers: {', '.join(robustness.levers)})"]
    table = robustness.table
    for outcome in dict.fromkeys(table["outcome"]) if not table.empty else ():
        rows = table[table["outcome"] == outcome]
        direction = rows["direction"].iloc[0]
        used = int(rows["n_futures"].min())
        lines += ["", f"{outcome_label(outcome)}: {direction} is better; regret over {used} "
                      f"futures"]
        lines += _table(("lever combination", "mean", "max regret", "p90 regret",
                         "mean regret"),
                        [(r["lever_setting"], format_number(r["mean"]),
                          format_number(r["max_regret"]),
                          format_number(r["p90_regret"]), format_number(r["mean_regret"]))
                         for r in rows.to_dict(orient="records")])
    satisficing = robustness.satisficing
    criteria = [c for c in satisficing.columns if c not in ("combination", "lever_setting",
                                                            "n_futures", *robustness.levers)]
    if criteria:
        lines += ["", f"satisficing: share of the {futures} futures meeting each criterion"]
        lines += _table(("lever combination", *criteria),
                        [(r["lever_setting"], *(_share(r[c]) for c in criteria))
                         for r in satisficing.to_dict(orient="records")])
    return "\n".join(lines)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Aligned columns: the first left-aligned, numbers right-aligned, text left-aligned."""
    cells = [tuple(headers), *[tuple(str(c) for c in row) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(_is_number(row[i]) for row in cells[1:]) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [cell.rjust(w) if numeric[i] and i else cell.ljust(w)
                 for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        return "  " + "  ".join(parts).rstrip()

    return [line(cells[0]), line(["-" * w for w in widths]), *(line(r) for r in cells[1:])]


def _is_number(text: str) -> bool:
    stripped = text.lstrip("*").replace(",", "")
    try:
        float(stripped)
    except ValueError:
        return stripped == "n/a"
    return True
