"""`regsim report`: a policy brief, one self-contained HTML file, from a run or compare folder.

The file is meant to be e-mailed or printed: plots are embedded as base64 PNG, the CSS is
inline, nothing refers to another file or address, and every string from the folder is
escaped. A compare folder's brief, in order:

1. page one, printed alone on the first A4 page: the title and question in plain words, the
   bottom line, the findings (the question's outcomes first, each with a chart; graded: clear
   effect, small effect; the rest named in one line), the channel line, costs with the cost
   per month of lag gained, what the answer rests on, caveats (`sim.brief.summary`,
   `sim.brief.bottom_line`);
2. each policy against the baseline over time, with paired-difference bands;
3. the key events across replicates (how often, and when, each kind happens);
4. where each effect on a state came from (by channel) and, for a comparison run per
   formulation, whether each effect holds under every formulation
   (`sim.brief.formulations`; page one then says so in one sentence);
5. the folder's plots; the assumptions in full; the full tables (folded on screen, printed
   open); a glossary; the provenance.

A single run's brief has the same structure without the comparison parts: page one gives the
question, the key outcomes in words with their intervals, caveats and assumptions, and the
event section adds replicate 0's story in brief. Which files are read is described in
`sim.brief.folder`; a sweep folder is refused (ReportError).
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import sim
from sim.brief import evidence as brief_evidence
from sim.brief import formulations as brief_formulations
from sim.brief import page_one as brief_page_one
from sim.brief.folder import ReportError, ReportInput, read_folder
from sim.brief.html_parts import section
from sim.brief.style import CSS
from sim.brief.summary import compare_summary, run_summary

__all__ = ["ReportError", "ReportInput", "read_folder", "render_report", "section_headings",
           "write_report"]

REPORT_NAME = "report.html"
REPORT_MODE = 0o644

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




def render_report(report: ReportInput) -> str:
    """The whole brief as one HTML document (UTF-8 text)."""
    title = _title(report)
    if report.kind == "comparison":
        summary = compare_summary(report)
        parts = [
            brief_page_one.compare_page_one(report, summary, title),
            section("timeseries", "Policy against baseline over time",
                    brief_evidence.timeseries_html(report, summary)),
        ]
    else:
        summary = run_summary(report)
        parts = [brief_page_one.run_page_one(report, summary, title)]
        parts.append(section("plots", "Plots", brief_evidence.plots_html(report)))
    parts.append(section("timeline", "What happened (event timeline)",
                         brief_evidence.timeline_html(report)))
    if report.kind == "comparison":
        parts.append(section("channels", "Where the effect on each state came from",
                             brief_evidence.channels_html(report)))
        if report.formulations is not None:
            parts.append(section("formulations", "Does it hold under every formulation?",
                                 brief_formulations.formulations_html(report)))
        parts.append(section("plots", "Plots", brief_evidence.plots_html(report)))
    parts += [
        section("assumptions", "Assumptions", brief_evidence.assumptions_html(summary)),
        section("tables", "Full tables", brief_evidence.tables_html(report)),
        section("glossary", "Glossary", brief_evidence.glossary_html()),
        section("provenance", "Provenance", _provenance_html(report)),
    ]
    created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _PAGE.format(
        title=_e(title),
        css=CSS,
        body="\n".join(parts),
        footer=_e(f"Written by regsim {sim.__version__} on {created} from {report.folder}."),
    )


def section_headings(report_html: str) -> list[str]:
    """The h2 headings of a report, in order."""
    return [html.unescape(m) for m in re.findall(r"<h2>(.*?)</h2>", report_html)]


def _title(report: ReportInput) -> str:
    from sim.brief.bottom_line import scenario_title

    def title(name: str) -> str:
        return scenario_title(report.raws.get(name, {}), name)

    if report.kind == "comparison":
        policies = ", ".join(title(p) for p in report.policies) or "policies"
        return f"{policies} against {title(report.baseline) if report.baseline else 'the baseline'}"
    return title(report.baseline) if report.baseline else f"Brief: {report.folder.name}"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _provenance_html(report: ReportInput) -> str:
    """The manifest, and each resolved scenario folded (on paper: named, not printed)."""
    parts = [_manifest_table(report.manifest) if report.manifest else
             '<p class="note">No manifest.</p>']
    for name, text in report.scenario_texts:
        parts.append(
            f'<details class="source"><summary>Resolved scenario: {_e(name)}</summary>'
            f"<pre>{_e(text)}</pre></details>"
            f'<p class="print-only note">Resolved scenario {_e(name)}: in the HTML file and '
            "the folder's scenario files.</p>"
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


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
{body}
<footer>{footer}</footer>
</body>
</html>
"""
