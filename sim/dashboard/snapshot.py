"""A take-home snapshot of the screen: one self-contained HTML page (no script, no link, no
image from anywhere) with the settings, the reference and every number shown, and the scenario
file that reproduces them with `regsim run`. Every text, scenario text included, is escaped:
shown as text, never as markup. The PNG twin is drawn in the browser (`page_tools.vue`).

File names say what is in them: `regsim-baseline-california-kill-switch-on-dec-2033.html`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sim.dashboard.live_charts import HeadlineValue
from sim.presentation import wording

MAX_STEM_CHARS = 90


@dataclass(frozen=True)
class Snapshot:
    """What the screen shows, as the snapshot needs it."""

    scenario: str
    question: str
    changes: tuple[str, ...]
    month: str
    draws: int
    reference: str
    reference_detail: str
    headlines: tuple[HeadlineValue, ...]
    table: tuple[HeadlineValue, ...]
    export_toml: str


def file_stem(scenario: str, changes: Sequence[str], month: str) -> str:
    """A descriptive file name without extension: scenario, the changes, the month."""
    words = [scenario] + (list(changes) or ["as written"]) + [wording.month(month)]
    slug = re.sub(r"[^a-z0-9]+", "-", " ".join(words).lower()).strip("-")
    if len(slug) > MAX_STEM_CHARS:
        slug = slug[:MAX_STEM_CHARS].rstrip("-")
    return f"regsim-{slug}"


def to_html(snapshot: Snapshot) -> str:
    """The snapshot as one HTML page (every text escaped)."""
    e = html.escape
    when = wording.month(snapshot.month)
    changes = "".join(f"<li>{e(change)}</li>" for change in snapshot.changes) or \
        "<li>No lever moved: the scenario as written.</li>"
    cards = "".join(_row(value, strip=True) for value in snapshot.headlines)
    rows = "".join(_row(value) for value in snapshot.table)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{e(file_stem(snapshot.scenario, snapshot.changes, snapshot.month))}</title>
<style>body{{font:18px/1.4 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#212529}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #dee2e6;
padding:4px 8px;text-align:left}}.value{{font-weight:700}}pre{{background:#f8f9fa;
padding:1em;overflow-x:auto;font-size:13px}}</style></head><body>
<h1>regsim workshop snapshot: {e(snapshot.scenario)}</h1>
<p class="question">{e(snapshot.question)}</p>
<p>At <span class="month">{e(when)}</span>, mean of <span class="draws">{snapshot.draws}</span>
draws of chance. {e(snapshot.reference_detail)}</p>
<h2>Your settings</h2><ul class="changes">{changes}</ul>
<h2>Headline numbers</h2>
<table class="headlines"><tr><th>number</th><th>your settings</th>
<th>{e(snapshot.reference)}</th><th>spread over draws</th><th>difference</th></tr>{cards}</table>
<h2>What the labs did</h2>
<table class="facts"><tr><th>number</th><th>your settings</th><th>{e(snapshot.reference)}</th>
<th>spread over draws</th><th>difference</th></tr>{rows}</table>
<h2>Reproduce these numbers</h2>
<p>Save the text below as a <code>.toml</code> file and run <code>regsim run FILE</code>: it
gives these numbers exactly (same draws, same seeds).</p>
<pre class="scenario">{e(snapshot.export_toml)}</pre>
<p>Model outputs from stated assumptions (see the model's documentation), averaged over draws;
not forecasts.</p>
</body></html>
"""


def _row(value: HeadlineValue, strip: bool = False) -> str:
    e = html.escape
    kind = "headline" if strip else "fact"
    label = f"{value.group}: {value.label}" if value.group and not strip else value.label
    note = f" ({value.statistic_words})" if value.statistic_words else ""
    return (f'<tr class="{kind}-{e(value.key)}"><td>{e(label)}{e(note)}</td>'
            f'<td class="value">{e(value.text)}</td><td>{e(value.baseline_text)}</td>'
            f"<td>{e(value.band_text)}</td><td>{e(value.difference_text)}</td></tr>")
