"""`regsim report`: one self-contained HTML file from a results or compare folder.

The file is meant to be e-mailed after a workshop: plots are embedded as base64 PNG, the CSS is
inline and nothing refers to another file or address. Sections, in order: the question, the key
outcomes with 95% intervals, the comparison verdicts (compare folders only), the plots, what
happened (the event timeline) and the provenance. All text is HTML-escaped.

Two kinds of folder are read:
- a results folder (`regsim run`): ``manifest.json``, ``outcomes.csv``, ``plots/*.png``,
  ``events.jsonl`` (replicate 0 is told, meaningful events only) and ``scenario.toml``;
- a compare folder (`regsim compare`): ``comparison.csv`` (one row per policy and outcome, with
  ``outcome``, ``verdict``, the mean difference and its ``ci95_low``/``ci95_high``),
  ``manifest.json``, ``runs.csv`` (outcomes per scenario are summarised from it),
  ``scenarios/*.toml`` and ``plots/*.png``. It keeps no event log.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import math
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

import sim
from sim.experiments.stats import outcomes_table
from sim.files import MIB, UnreadableFileError, read_regular_file
from sim.presentation.embed import safe_image_bytes
from sim.presentation.narrative import story
from sim.presentation.tables import KEY_OUTCOMES, MILESTONE_PREFIXES, format_number, outcome_label

MANIFEST = "manifest.json"
COMPARISON = "comparison.csv"
REPORT_NAME = "report.html"
REPORT_MODE = 0o644
MAX_INPUT_BYTES = 256 * MIB
"""Largest file of a folder read for a report (tables, event log, manifest)."""
_SCENARIO_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
EVENT_FIELDS = (("step", int), ("month", str), ("kind", str), ("text", str))
"""Fields an event needs to be told, with their JSON types (checked, since folders are data)."""
PLOT_ORDER = ("capability", "lags", "diffusion", "kill_switch", "channels", "comparison")
PLOT_CAPTIONS = {
    "capability": "Capability over time: the frontier, the open-weight frontier and each "
    "competitor state (median over replicates, 5-95% band).",
    "lags": "Months behind the frontier: open weights and each competitor state.",
    "diffusion": "Share of the downstream ecosystem within reach of frontier capability.",
    "kill_switch": "Kill-switch coverage: the share of covered-model copies a shutdown can "
    "reach, and the copies beyond any switch.",
    "channels": "How the competitor state got its best model: share of replicates by channel.",
    "comparison": "Paired differences, policy minus baseline, for each replicate (dots) with "
    "their mean and 95% interval (bar); zero means no effect.",
}
DIFFERENCE_COLUMNS = ("mean_difference", "difference_mean")
"""The mean paired difference is read from whichever of these comparison.csv has."""

PROVENANCE_FIELDS = (
    ("kind", "kind"),
    ("scenario_name", "scenario"),
    ("baseline", "baseline"),
    ("policies", "policies"),
    ("pairing", "pairing"),
    ("created_utc", "created (UTC)"),
    ("regsim_version", "regsim version"),
    ("status", "status"),
    ("scenario_sha256", "scenario SHA-256"),
    ("root_seed", "root seed"),
    ("replicates", "replicates"),
    ("start", "first month"),
    ("months", "months"),
    ("executor", "executor"),
    ("git_commit", "git commit"),
    ("git_dirty", "uncommitted changes"),
    ("python_version", "Python"),
    ("platform", "platform"),
)


class ReportError(ValueError):
    """The folder cannot be reported on: missing, not a results or compare folder, unreadable."""


@dataclass
class ReportInput:
    """What a report is made of, read from a results or compare folder.

    `questions`, `outcomes`, `events` and `scenario_texts` hold one entry per scenario
    (name first); `outcomes` frames have the columns of `sim.experiments.stats.outcomes_table`.
    """

    folder: Path
    kind: Literal["run", "comparison"]
    manifest: dict[str, Any]
    questions: list[tuple[str, str]] = field(default_factory=list)
    outcomes: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    state_names: list[str] = field(default_factory=list)
    comparison: pd.DataFrame | None = None
    plots: list[Path] = field(default_factory=list)
    events: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    scenario_texts: list[tuple[str, str]] = field(default_factory=list)


# Reading ----------------------------------------------------------------------------------------


def read_folder(folder: str | os.PathLike[str]) -> ReportInput:
    """Read a results folder or a compare folder. Raises ReportError when it is neither."""
    path = Path(folder)
    if not path.exists():
        raise ReportError(f"{path}: no such folder")
    if not path.is_dir():
        raise ReportError(f"{path}: not a folder (give a results or compare folder)")
    if (path / COMPARISON).is_file():
        return read_compare_folder(path)
    if (path / MANIFEST).is_file():
        return read_run_folder(path)
    raise ReportError(
        f"{path}: not a regsim results folder (no {MANIFEST}) nor a compare "
        f"folder (no {COMPARISON})"
    )


def read_run_folder(path: Path) -> ReportInput:
    """A `regsim run` results folder; only `manifest.json` is required."""
    manifest = _read_json(path / MANIFEST)
    if manifest.get("kind") == "sweep":
        raise ReportError(f"{path} is a sweep folder; regsim report covers run and compare "
                          "folders: see the sweep's sensitivity.csv, points.csv and plots/")
    name = str(manifest.get("scenario_name") or path.name)
    report = ReportInput(
        path,
        "run",
        manifest,
        plots=_plots(path),
        state_names=[str(s) for s in manifest.get("state_names") or []],
    )
    report.questions.append((name, str(manifest.get("question") or "")))
    if (path / "outcomes.csv").is_file():
        report.outcomes.append(
            (name, _read_csv(path / "outcomes.csv", ("outcome", "mean", "ci95_low", "ci95_high")))
        )
    if (path / "events.jsonl").is_file():
        report.events.append((name, _read_events(path / "events.jsonl", replicate=0)))
    if (path / "scenario.toml").is_file():
        report.scenario_texts.append((name, _read_text(path / "scenario.toml")))
    return report


def read_compare_folder(path: Path) -> ReportInput:
    """A `regsim compare` folder; only `comparison.csv` is required."""
    comparison = _read_csv(path / COMPARISON, ("outcome", "ci95_low", "ci95_high"))
    if not any(column in comparison.columns for column in DIFFERENCE_COLUMNS):
        raise ReportError(f"{path / COMPARISON}: missing column mean_difference")
    manifest = _read_json(path / MANIFEST) if (path / MANIFEST).is_file() else {}
    names = _compared_names(manifest, comparison)
    report = ReportInput(path, "comparison", manifest, comparison=comparison, plots=_plots(path))
    for name in names:
        text = _read_text(path / "scenarios" / f"{name}.toml", missing_ok=True)
        if text is not None:
            report.scenario_texts.append((name, text))
        report.questions.append((name, _question_in(text)))
    report.state_names = _states_in(comparison["outcome"])
    if (path / "runs.csv").is_file():
        report.outcomes = _outcomes_by_scenario(path / "runs.csv", names, report.state_names)
    return report


def _compared_names(manifest: dict[str, Any], comparison: pd.DataFrame) -> list[str]:
    names = [manifest["baseline"]] if manifest.get("baseline") else []
    names += list(manifest.get("policies") or [])
    if not names and "policy" in comparison.columns:
        names = [str(policy) for policy in comparison["policy"].unique()]
    for name in names:  # each names a file scenarios/NAME.toml: no "../" out of the folder
        if not isinstance(name, str) or not _SCENARIO_NAME.fullmatch(name):
            raise ReportError(f"{MANIFEST}: expected scenario names; found {name!r:.60}")
    return [str(name) for name in names]


def _question_in(text: str | None) -> str:
    if text is None:
        return ""
    try:
        return str(tomllib.loads(text).get("scenario", {}).get("question", ""))
    except (ValueError, RecursionError, AttributeError):  # not TOML, or not a table
        return ""


def _states_in(outcomes: pd.Series) -> list[str]:
    prefix = "state_mean_lag_months__"
    return sorted({str(o)[len(prefix) :] for o in outcomes if str(o).startswith(prefix)})


def _outcomes_by_scenario(
    path: Path, names: list[str], states: list[str]
) -> list[tuple[str, pd.DataFrame]]:
    runs = _read_csv(path, ("scenario", "status"))
    runs = runs[runs["status"] == "ok"]
    keys = [key for key, _ in KEY_OUTCOMES(states) if key in runs.columns]
    return [
        (name, outcomes_table(runs[runs["scenario"] == name], keys))
        for name in names
        if (runs["scenario"] == name).any()
    ]


def _plots(folder: Path) -> list[Path]:
    plots_dir = folder / "plots"
    if plots_dir.is_symlink() or not plots_dir.is_dir():  # a link would list another folder
        return []
    return sorted(plots_dir.glob("*.png"), key=_plot_rank)


def _read_bytes(path: Path) -> bytes:
    """A file of the folder: a regular file (no link, device or pipe), size-capped."""
    try:
        return read_regular_file(path, MAX_INPUT_BYTES, follow_symlinks=False)
    except UnreadableFileError as error:
        raise ReportError(f"{path}: {error.reason}") from None


def _read_text(path: Path, missing_ok: bool = False) -> str | None:
    if missing_ok and not os.path.lexists(path):
        return None
    return _read_bytes(path).decode("utf-8", errors="replace")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(_read_bytes(path).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ReportError(f"{path}: cannot read: {_first_line(error)}") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a JSON object")
    return data


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    data = _read_bytes(path)
    try:
        frame = pd.read_csv(io.BytesIO(data))
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as error:
        raise ReportError(f"{path}: cannot read: {_first_line(error)}") from None
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ReportError(f"{path}: missing columns {', '.join(missing)}")
    return frame


def _read_events(path: Path, replicate: int) -> list[dict[str, Any]]:
    events = []
    try:
        lines = _read_bytes(path).decode("utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            event = json.loads(line)
            if not isinstance(event, dict):
                raise ReportError(f"{path}:{number}: expected a JSON object")
            if event.get("replicate", 0) == replicate:
                events.append(_checked_event(event, path, number))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ReportError(f"{path}: cannot read: {_first_line(error)}") from None
    return events


def _checked_event(event: dict[str, Any], path: Path, number: int) -> dict[str, Any]:
    """The event if each field the timeline reads has its type; else ReportError naming it."""
    for key, kind in EVENT_FIELDS:
        value = event.get(key)
        if key in event and not (isinstance(value, kind) and not isinstance(value, bool)):
            word = "an integer" if kind is int else "a string"
            raise ReportError(f"{path}:{number}: {key}: expected {word}; found {value!r:.60}")
    return event


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _plot_rank(path: Path) -> tuple[int, str]:
    stem = path.stem
    return (PLOT_ORDER.index(stem) if stem in PLOT_ORDER else len(PLOT_ORDER), stem)


# Rendering --------------------------------------------------------------------------------------


def render_report(report: ReportInput) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    sections = [
        _section("question", "The question", _question_html(report)),
        _section("outcomes", "Key outcomes", _outcomes_html(report)),
    ]
    if report.comparison is not None:
        sections.append(
            _section(
                "comparison",
                "Comparison verdicts",
                _comparison_html(report.comparison, report.state_names),
            )
        )
    sections += [
        _section("plots", "Plots", _plots_html(report.plots)),
        _section("timeline", "What happened (event timeline)", _timeline_html(report)),
        _section("provenance", "Provenance", _provenance_html(report)),
    ]
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    title = _title(report)
    return _PAGE.format(
        title=_e(title),
        css=_CSS,
        body="\n".join(sections),
        footer=_e(f"Written by regsim {sim.__version__} on {created} from {report.folder}."),
    )


def section_headings(report_html: str) -> list[str]:
    """The h2 headings of a report, in order."""
    return [html.unescape(m) for m in re.findall(r"<h2>(.*?)</h2>", report_html)]


def _title(report: ReportInput) -> str:
    names = [name for name, _ in report.questions]
    if report.kind == "comparison":
        return "regsim comparison: " + (" vs ".join(names) if names else report.folder.name)
    return f"regsim report: {names[0] if names else report.folder.name}"


def _section(anchor: str, heading: str, body: str) -> str:
    return f'<section id="{anchor}">\n<h2>{_e(heading)}</h2>\n{body}\n</section>'


def _note(text: str) -> str:
    return f'<p class="note">{_e(text)}</p>'


def _question_html(report: ReportInput) -> str:
    items = [
        f'<p class="question"><span class="scenario">{_e(name)}</span> '
        f"{_e(question or '(the scenario states no question)')}</p>"
        for name, question in report.questions
    ]
    return "\n".join(items) or _note("No question recorded.")


def _outcomes_html(report: ReportInput) -> str:
    if not report.outcomes:
        return _note("No outcomes recorded in this folder.")
    blocks = [_note("Mean over replicates with the 95% confidence interval of the mean.")]
    for name, table in report.outcomes:
        if len(report.outcomes) > 1:
            blocks.append(f"<h3>{_e(name)}</h3>")
        blocks.append(_outcomes_table(table, report.state_names))
    return "\n".join(blocks)


def _outcomes_table(outcomes: pd.DataFrame, states: list[str]) -> str:
    by_key = outcomes.set_index("outcome", drop=False)
    keys = [key for key, _ in KEY_OUTCOMES(states) if key in by_key.index]
    rows = [by_key.loc[key] for key in keys] or [row for _, row in outcomes.iterrows()]
    body = "\n".join(_outcome_row(row) for row in rows)
    return (
        '<table class="outcomes"><thead><tr><th>outcome</th><th>mean</th><th>95% CI</th>'
        f"</tr></thead>\n<tbody>\n{body}\n</tbody></table>"
    )


def _outcome_row(row: pd.Series) -> str:
    interval = _interval(row.get("ci95_low"), row.get("ci95_high"))
    key = str(row["outcome"])
    if key.startswith(MILESTONE_PREFIXES) and "n_defined" in row and "n" in row:
        interval += f" (reached in {_int(row['n_defined'])}/{_int(row['n'])} replicates)"
    return (
        f'<tr><td>{_e(outcome_label(key))}</td><td class="number">'
        f"{_e(format_number(_float(row['mean'])))}</td><td>{_e(interval)}</td></tr>"
    )


def _comparison_html(comparison: pd.DataFrame, states: list[str]) -> str:
    """The verdicts on the key outcomes (every outcome if none of them is in the table)."""
    keys = [key for key, _ in KEY_OUTCOMES(states)]
    shown = comparison[comparison["outcome"].isin(keys)]
    if shown.empty:
        shown = comparison
    rank = shown["outcome"].map({key: index for index, key in enumerate(keys)})
    order = [c for c in ("policy",) if c in shown.columns] + ["_rank"]
    shown = shown.assign(_rank=rank).sort_values(order, kind="stable")
    difference = next(c for c in DIFFERENCE_COLUMNS if c in comparison.columns)
    with_policy = "policy" in comparison.columns
    headers = [("policy", "")] * with_policy + [
        ("outcome", ""),
        ("baseline mean", "number"),
        ("policy mean", "number"),
        ("difference", "number"),
        ("95% CI", ""),
        ("verdict", "verdict"),
    ]
    rows = []
    for _, row in shown.iterrows():
        cells = ([str(row["policy"])] if with_policy else []) + [
            outcome_label(str(row["outcome"])),
            _number(row.get("baseline_mean")),
            _number(row.get("policy_mean")),
            _number(row[difference]),
            _interval(row["ci95_low"], row["ci95_high"]),
            _verdict(row, difference),
        ]
        rows.append(
            "<tr>"
            + "".join(
                f'<td class="{css}">{_e(cell)}</td>' if css else f"<td>{_e(cell)}</td>"
                for (_, css), cell in zip(headers, cells, strict=True)
            )
            + "</tr>"
        )
    head = "".join(f"<th>{_e(label)}</th>" for label, _ in headers)
    note = (
        "Paired differences, policy minus baseline, over replicates with the same seeds "
        "(common random numbers), with 95% intervals."
    )
    return (
        _note(note) + f'\n<table class="comparison"><thead><tr>{head}</tr></thead>\n'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )


def _verdict(row: pd.Series, difference: str) -> str:
    """The folder's verdict, or one from the interval when the table has none."""
    given = row.get("verdict")
    if isinstance(given, str) and given:
        return given
    low, high = _float(row["ci95_low"]), _float(row["ci95_high"])
    if not (math.isfinite(low) and math.isfinite(high)):
        return "too few replicates to judge"
    if low <= 0.0 <= high:
        return "no clear difference (the 95% interval spans zero)"
    return "higher with the policy" if _float(row[difference]) > 0 else "lower with the policy"


def _plots_html(plots: list[Path]) -> str:
    if not plots:
        return _note("No plots in this folder (it was run with --no-plots).")
    figures = []
    for plot in plots:
        image = safe_image_bytes(plot.parent.parent, plot)
        if image is None:  # a link, a pipe, or not a PNG: never embed what a folder points at
            raise ReportError(f"{plot}: not a PNG image of this folder (a link, a special "
                              "file or not an image); a report embeds only the folder's own "
                              "plots: remove it to write the report")
        data = base64.b64encode(image).decode("ascii")
        caption = PLOT_CAPTIONS.get(plot.stem, plot.stem.replace("_", " "))
        figures.append(
            f'<figure><img alt="{_e(plot.stem)} plot" '
            f'src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>"
        )
    return "\n".join(figures)


def _timeline_html(report: ReportInput) -> str:
    if report.kind == "comparison":
        return _note(
            "A compare folder keeps no event log: run `regsim run` on a scenario and "
            "report its folder for the story of what happened."
        )
    blocks = []
    for name, events in report.events:
        if len(report.events) > 1:
            blocks.append(f"<h3>{_e(name)}</h3>")
        blocks.append(_timeline_table(events))
    return "\n".join(blocks) or _note("No event log (events.jsonl) in this folder.")


def _timeline_table(events: list[dict[str, Any]]) -> str:
    lines = story(events)
    if not lines:
        return _note("No meaningful events recorded for replicate 0.")
    rows = "\n".join(
        f'<tr><td class="month">{_e(line.month)}</td><td><span class="tag tag-{_e(line.tag)}">'
        f"{_e(line.tag)}</span></td><td>{_e(line.text)}</td></tr>"
        for line in lines
    )
    return (
        _note("Replicate 0, oldest first; routine releases are left out.") + "\n"
        '<table class="timeline"><thead><tr><th>month</th><th>what</th><th>event</th>'
        f"</tr></thead>\n<tbody>\n{rows}\n</tbody></table>"
    )


def _provenance_html(report: ReportInput) -> str:
    parts = [_manifest_table(report.manifest) if report.manifest else _note("No manifest.")]
    for name, text in report.scenario_texts:
        parts.append(
            f"<details><summary>Resolved scenario: {_e(name)}</summary>"
            f"<pre>{_e(text)}</pre></details>"
        )
    return "\n".join(parts)


def _manifest_table(manifest: dict[str, Any]) -> str:
    rows = [(label, manifest[key]) for key, label in PROVENANCE_FIELDS if key in manifest]
    if isinstance(manifest.get("packages"), dict):
        packages = ", ".join(
            f"{name} {version}" for name, version in sorted(manifest["packages"].items()) if version
        )
        rows.append(("packages", packages))
    if isinstance(manifest.get("command_line"), list):
        rows.append(("command line", " ".join(str(part) for part in manifest["command_line"])))
    if isinstance(manifest.get("timings_s"), dict):
        rows.append(
            ("timings (s)", ", ".join(f"{k} {_short(v)}" for k, v in manifest["timings_s"].items()))
        )
    body = "\n".join(
        f"<tr><th>{_e(label)}</th><td>{_e(_short(value))}</td></tr>" for label, value in rows
    )
    return f'<table class="provenance"><tbody>\n{body}\n</tbody></table>'


# Small helpers ----------------------------------------------------------------------------------


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _int(value: Any) -> str:
    number = _float(value)
    return str(int(number)) if math.isfinite(number) else "?"


def _interval(low: Any, high: Any) -> str:
    low_text, high_text = format_number(_float(low)), format_number(_float(high))
    if "n/a" in (low_text, high_text):
        return "n/a"
    return f"{low_text} to {high_text}"


def _number(value: Any) -> str:
    return format_number(_float(value))


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if value is None:
        return "n/a"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_short(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_short(item) for item in value)
    return str(value)


# Writing ----------------------------------------------------------------------------------------


def default_report_path(folder: str | os.PathLike[str]) -> Path:
    return Path(folder) / REPORT_NAME


def write_report(
    folder: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, force: bool = False
) -> Path:
    """Write the report of `folder` to `out` (default: `<folder>/report.html`) atomically.

    Raises ReportError for a bad folder, or when `out` exists and `force` is false.
    """
    report = read_folder(folder)
    target = Path(out) if out is not None else default_report_path(folder)
    if target.exists() and not force:
        raise ReportError(f"{target} already exists; choose another --out or pass --force")
    if target.exists() and target.is_dir():
        raise ReportError(f"{target} is a folder; give a file name such as report.html")
    text = render_report(report)
    _write_atomically(target, text)
    return target


def _write_atomically(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temp_name, REPORT_MODE)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #1565c0; padding-bottom: 0.2em; margin-top: 2em; }
h3 { margin-top: 1.4em; color: #1565c0; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; font-size: 0.92em; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f2f5fa; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
table.provenance th { width: 14em; font-weight: 600; background: none; }
td.month { white-space: nowrap; font-weight: 600; }
.question { font-size: 1.15em; }
.scenario { font-weight: 700; color: #1565c0; margin-right: 0.4em; }
.note { color: #666; font-size: 0.9em; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #555; font-size: 0.9em; }
.tag { display: inline-block; color: #fff; background: #616161; border-radius: 4px;
       padding: 0 5px; font-size: 0.8em; }
.tag-policy { background: #1565c0; } .tag-repeal { background: #6d4c41; }
.tag-compliance { background: #2e7d32; } .tag-penalty { background: #c62828; }
.tag-relocation { background: #ef6c00; } .tag-security { background: #455a64; }
.tag-absorption { background: #6a1b9a; } .tag-distillation { background: #00838f; }
.tag-theft { background: #b71c1c; } .tag-incident { background: #d84315; }
td.verdict { font-weight: 600; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
footer { margin-top: 3em; color: #888; font-size: 0.85em; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<h1>{title}</h1>
{body}
<footer>{footer}</footer>
</body>
</html>
"""
