"""Plain-text summary of a sweep for the console: run counts, failures, and for each chosen
outcome its parameters ranked by influence (swing, and Sobol or Morris indices)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim.presentation.tables import outcome_label

MAX_FAILURES_SHOWN = 3
COLUMNS_BY_METHOD = {"swing": ["low", "high", "swing"], "sobol": ["S1", "ST"],
                     "morris": ["mu_star", "sigma"]}


def format_sensitivity(indices: pd.DataFrame, outcome: str) -> str:
    """The parameters of `outcome`, most influential first (by ST, mu* or |swing|)."""
    rows = indices[indices["outcome"] == outcome]
    if rows.empty:
        return f"{outcome_label(outcome)}: no indices"
    table = rows.set_index(["parameter", "kind", "index"])["value"].unstack("index")
    columns = [c for method in ("swing", "sobol", "morris") if (rows["method"] == method).any()
               for c in COLUMNS_BY_METHOD[method]]
    rank = next((c for c in ("ST", "mu_star") if c in columns), "swing")
    table = table.reindex(columns=columns)
    table = table.reindex(table[rank].abs().sort_values(ascending=False).index)
    header = ["parameter", *columns]
    lines = [[f"{p} ({k})", *(_number(v) for v in row)] for (p, k), row in
             zip(table.index, table.to_numpy(), strict=True)]
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    text = [f"{outcome_label(outcome)}: parameters by influence"]
    for cells in [header, ["-" * w for w in widths], *lines]:
        text.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                              for i, (c, w) in enumerate(zip(cells, widths, strict=True))))
    return "\n".join(line.rstrip() for line in text)


def format_failures(runs: pd.DataFrame) -> list[str]:
    """One line per failed run (the first few), `point P replicate R: Error: message`."""
    failed = runs[runs["status"] == "failed"]
    lines = [f"point {int(row.point_id)} replicate {int(row.replicate)}: {row.error}"
             for row in failed.head(MAX_FAILURES_SHOWN).itertuples(index=False)]
    if len(failed) > MAX_FAILURES_SHOWN:
        lines.append(f"... and {len(failed) - MAX_FAILURES_SHOWN} more (see runs.csv)")
    return lines


def summary_line(name: str, total: int, ok: int, failed: int, seconds: float,
                 session_runs: int) -> str:
    """`name: N runs (ok, failed); M run now in S s`."""
    text = f"{name}: {total} runs, {ok} ok, {failed} failed"
    if session_runs:
        text += f"; {session_runs} run in this session in {seconds:.1f} s"
    return text


def _number(value: float) -> str:
    if pd.isna(value):
        return "n/a"
    magnitude = abs(float(value))
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def sensitivity_records(indices: pd.DataFrame, outcomes: Sequence[str]) -> list[dict]:
    """The indices of `outcomes` as JSON-able records (NaN as None), each outcome with its
    `label` and `unit`."""
    from sim.presentation.tables import with_labels

    chosen = with_labels(indices[indices["outcome"].isin(list(outcomes))])
    return [{k: (None if pd.isna(v) else v) for k, v in record.items()}
            for record in chosen.to_dict(orient="records")]
