"""The policy brief (`regsim report`): one self-contained HTML file from a results folder.

`report` writes it; `folder` reads and checks the results folder; `page_one` and `summary` word
page one (question, bottom line, findings, costs, caveats); `evidence`, `formulations` and
`event_timeline` build the evidence pages; `charts` draws the brief's own figures; `glossary`,
`assumptions` and `verdict_grades` are its words; `html_parts`, `embed` and `style` its markup.
Every string from a folder reaches the page escaped, and only the folder's own PNG files are
embedded.
"""
