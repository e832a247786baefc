"""The brief's style sheet: screen and print (A4, page one alone, folded tables printed open).

Verdicts are graded visually: a clear effect is bold with a solid coloured bar (green when
better for the regulator, red when worse, grey-blue for a trade-off), a small effect is plain
text with a thin bar, and outcomes without a clear effect are one grey line.
"""

CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.1em; }
h2 { border-bottom: 2px solid #1565c0; padding-bottom: 0.2em; margin-top: 1.6em; }
h3 { margin-top: 1.2em; color: #1565c0; }
.page-one h2 { margin-top: 1em; font-size: 1.2em; }
.lede { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; font-size: 0.92em; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: #f2f5fa; }
td.number, td.value { font-variant-numeric: tabular-nums; }
table.provenance th { width: 14em; font-weight: 600; background: none; }
.question { font-size: 1.15em; font-weight: 600; margin: 0.3em 0; }
.changes { margin: 0.2em 0; }
.scenario { font-weight: 700; color: #1565c0; margin-right: 0.4em; }
.note { color: #666; font-size: 0.9em; }
ul.verdicts { list-style: none; padding-left: 0; margin: 0.4em 0; }
ul.verdicts li { padding: 2px 0 2px 10px; margin: 3px 0; border-left: 3px solid #bbb; }
li.grade-clear { font-weight: 600; border-left-width: 6px !important; }
li.grade-clear.effect-better { border-left-color: #2e7d32; }
li.grade-clear.effect-worse { border-left-color: #c62828; }
li.grade-clear.effect-trade-off { border-left-color: #546e7a; }
li.grade-small { font-weight: 400; color: #333; border-left: 2px dashed #999 !important; }
li.grade-none { color: #777; }
.badge { display: inline-block; font-size: 0.75em; font-weight: 700; text-transform: uppercase;
         letter-spacing: 0.03em; padding: 0 5px; border-radius: 3px; background: #eceff1;
         color: #37474f; }
li.grade-clear.effect-better .badge { background: #e8f5e9; color: #1b5e20; }
li.grade-clear.effect-worse .badge { background: #ffebee; color: #b71c1c; }
li.grade-small .badge { background: none; border: 1px solid #bbb; color: #555; }
.size { color: #555; font-weight: 400; }
.unclear { color: #777; margin: 0.3em 0; }
td.sign-up, td.sign-down { font-weight: 600; }
td.sign-none { color: #777; }
table.formulations .ci { font-size: 85%; font-weight: 400; color: #555; }
p.robustness { margin: 0.3em 0; }
p.bottom-line { font-size: 1.05em; font-weight: 600; margin: 0.2em 0; padding: 0.2em 0.5em;
  border-left: 4px solid #1f4e79; background: #f3f6fa; }
svg.interval-chart { vertical-align: middle; margin-right: 0.4em; }
p.channels-line, span.per-unit { font-size: 0.92em; color: #333; }
.cost-line { margin: 0.3em 0; }
.cost-line .grade-clear { font-weight: 600; }
.cost-line .grade-small, .cost-line .grade-none { color: #666; }
.deep { font-style: italic; }
tr.grade-clear td { font-weight: 600; }
tr.same td { color: #777; }
tr.differs td:first-child { font-weight: 700; }
.never { color: #999; }
.month { white-space: nowrap; color: #555; }
ol.narrative { padding-left: 1.4em; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #555; font-size: 0.9em; }
details { margin: 0.5em 0; }
details > summary { cursor: pointer; font-weight: 600; }
dl.glossary dt { font-weight: 700; margin-top: 0.5em; }
dl.glossary dd { margin-left: 1.5em; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
footer { margin-top: 3em; color: #888; font-size: 0.85em; }
.print-only { display: none; }

@page { size: A4; margin: 14mm 13mm 16mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 9.5pt; line-height: 1.35; }
  h1 { font-size: 16pt; }
  h2 { font-size: 12pt; margin-top: 1.2em; break-after: avoid; }
  h3 { font-size: 10.5pt; break-after: avoid; }
  .page-one { break-after: page; }
  /* Several policies share page one: printed smaller so that it still fits one A4 page (it
     used to fit only because a too-wide timeline table made chromium shrink the whole
     document; that table now wraps to the page). */
  .page-one.shared { zoom: 0.72; }
  table.timeline { table-layout: fixed; }
  table.timeline th, table.timeline td { overflow-wrap: anywhere; }
  .page-one h2 { font-size: 11pt; margin-top: 0.5em; margin-bottom: 0.2em; }
  .page-one { line-height: 1.28; }
  .page-one ul { margin: 0.2em 0; }
  .page-one p { margin: 0.25em 0; }
  section#timeseries, section#timeline, section#assumptions, section#tables,
  section#glossary { break-before: page; }
  figure, tr, li, dt, dd { break-inside: avoid; }
  figure img { border: none; width: 100%; max-height: 235mm; object-fit: contain; }
  table { font-size: 8.5pt; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  details.table::details-content { content-visibility: visible; display: block; }
  details.table > summary { list-style: none; font-size: 10.5pt; }
  details.source { display: none; }
  .print-only { display: block; }
  footer { margin-top: 1.5em; }
}
"""
