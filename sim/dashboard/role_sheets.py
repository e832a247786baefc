"""The game's role sheets: each role's brief, goals, private information and the levers it
holds, from the scenario and the role definitions (`sim.dashboard.roles`).

`sheet` gives the content (plain strings, shown as text by the team's page); `sheets_html`
writes it as one printable HTML page (one role per printed page, no script, nothing fetched;
every string escaped), which a browser prints to PDF; `write_role_sheets` writes that page
and one page per role into a folder (`regsim app --role-sheets DIR`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from sim.dashboard.roles import Role
from sim.dashboard.workshop import Workshop


@dataclass(frozen=True)
class LeverLine:
    """One lever a role holds: its name, what it does, its value at the start."""

    label: str
    explanation: str
    start: str


@dataclass(frozen=True)
class Sheet:
    """A role sheet's content (plain text)."""

    key: str
    title: str
    brief: str
    goals: tuple[str, ...]
    private: tuple[str, ...]
    levers: tuple[LeverLine, ...]


def sheet(workshop: Workshop, role: Role) -> Sheet:
    """The sheet of `role` in `workshop`'s scenario (levers at the scenario's values)."""
    lines = tuple(LeverLine(f"{lever.group}: {lever.label}", lever.explanation,
                            lever.shown(lever.default))
                  for lever in role.levers(workshop.levers)
                  if lever.spec.field_name != "start")  # a round's start is the round's
    return Sheet(role.key, role.title, role.brief, role.goals, role.private, lines)


def sheets(workshop: Workshop) -> list[Sheet]:
    return [sheet(workshop, role) for role in workshop.roles]


PRINT_STYLE = """
body { font-family: sans-serif; font-size: 14pt; color: #212529; margin: 2em; }
h1 { font-size: 22pt; margin: 0 0 0.2em; } h2 { font-size: 16pt; margin: 1em 0 0.3em; }
.scenario { color: #495057; } .role { page-break-after: always; break-after: page; }
.role:last-child { page-break-after: auto; break-after: auto; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #adb5bd;
  padding: 4px 6px; text-align: left; vertical-align: top; }
.private { border: 2px solid #495057; padding: 0.3em 0.8em; }
"""


def sheets_html(workshop: Workshop, chosen: list[Sheet] | None = None) -> str:
    """A printable HTML page of the sheets (`chosen`, default every role's)."""
    body = "\n".join(_sheet_html(workshop, item) for item in (chosen or sheets(workshop)))
    title = html.escape(f"Role sheets: {workshop.name}")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{title}</title><style>{PRINT_STYLE}</style></head>\n"
            f"<body>\n{body}\n</body></html>\n")


def _sheet_html(workshop: Workshop, item: Sheet) -> str:
    esc = html.escape
    parts = [f'<section class="role" id="{esc(item.key)}">',
             f"<h1>{esc(item.title)}</h1>",
             f'<p class="scenario">Scenario: {esc(workshop.name)}. {esc(workshop.question)}</p>',
             f"<p>{esc(item.brief)}</p>", "<h2>Your goals</h2>", "<ul>"]
    parts += [f"<li>{esc(goal)}</li>" for goal in item.goals]
    parts += ["</ul>", '<div class="private"><h2>Only your team knows</h2><ul>']
    parts += [f"<li>{esc(line)}</li>" for line in item.private]
    parts += ["</ul></div>", "<h2>The levers you control</h2>",
              "<table><tr><th>Lever</th><th>What it does</th><th>At the start</th></tr>"]
    parts += [f"<tr><td>{esc(line.label)}</td><td>{esc(line.explanation)}</td>"
              f"<td>{esc(line.start)}</td></tr>" for line in item.levers]
    parts += ["</table>", "<p>Set your moves in secret on your team's page; the facilitator "
              "plays each round when every team is ready.</p>", "</section>"]
    return "\n".join(parts)


def file_name(key: str) -> str:
    """A role key as a file name: 'regulator:california' -> 'regulator-california.html'."""
    return "".join(ch if ch.isalnum() or ch in "_-" else "-" for ch in key) + ".html"


def write_role_sheets(workshop: Workshop, folder: Path) -> list[Path]:
    """Write `role-sheets.html` (every role) and one page per role into `folder` (created);
    the paths written. Raises OSError if the folder cannot be written."""
    folder.mkdir(parents=True, exist_ok=True)
    every = sheets(workshop)
    written = [folder / "role-sheets.html"]
    written[0].write_text(sheets_html(workshop, every), encoding="utf-8")
    for item in every:
        path = folder / file_name(item.key)
        path.write_text(sheets_html(workshop, [item]), encoding="utf-8")
        written.append(path)
    return written
