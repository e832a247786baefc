"""The README's commands run as written, so the README cannot drift (issue 15).

What counts as a command (`readme_commands`): every line of a ```bash block (with its `\\`
continuations), every `$ ` line of a plain ``` block (example output), every inline code span
that starts with `.venv/bin/`, and every ```python block (saved as `study.py`, the README's
name for it, and run with `.venv/bin/python study.py` where it appears). Each is either run
or skipped by a rule of `SKIPPED`, which says why; a command that is neither fails the test,
and so does a skip rule that no longer matches anything.

Where the commands run: a temporary folder standing for the clone, holding `.venv` (a link to
this test's virtual environment: the test does not create and install a new one, which would
take minutes and the network), links to `scenarios/`, `docs/`, `benchmarks/` and `.ci/`, and
whatever the commands write (`results/`). Each command runs in a fresh `bash -c` there, in
README order, so a later command reads what an earlier one wrote.

How commands are made small (`shrink`), so the whole file costs well under 90 CPU-seconds:
- `regsim run`, `compare` and `sweep` (but `sweep --resume`) get
  `--set scenario.months=24 --set world.ecosystem.adopters=2000` (24 months, not 12, so that
  the README's discovery threshold still splits the design);
- their `-n`/`--replicates` becomes 2 (added if absent), a sweep's `--samples` becomes 4
  (added if absent);
- `regsim check` gets `--quick` (CI's own setting);
- `regsim search` (which has no `--set`) gets `--population 4 --generations 2 --futures 2
  --fresh-futures 2`;
- the Python block gets the same `set=` on each `sim.run`/`sim.compare`/`sim.sweep` call and
  `replicates=2`;
- placeholders name what an earlier command wrote: `<compare-folder>` the comparison's folder,
  `results/baseline-sweep-<time>` the baseline sweep's.

A command failing today for a filed defect is listed in `KNOWN_BROKEN` and must still fail
(the entry goes when the fix is merged).

The set-up block at the top must be exactly two commands: the first creates `.venv`, installs
regsim into it and runs `regsim run baseline` (the test runs that last part, shrunk, with its
own environment); the second is `bash .ci/test`, which is CI itself and not run here.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SCRIPT = "study.py"
SMALL_SET = ["--set", "scenario.months=24", "--set", "world.ecosystem.adopters=2000"]
SMALL_PYTHON = '{"scenario.months": 24, "world.ecosystem.adopters": 2000}'
SETUP = ("python3 -m venv .venv && .venv/bin/pip install -e . && "
         ".venv/bin/regsim run baseline")
RUN = re.compile(r"^\.venv/bin/regsim (run|compare|sweep|search|report|discover|robustness|"
                 r"check|validate|show|list|schema)\b|^python-block$")
SKIPPED = {
    r"^\.venv/bin/python study\.py$": "runs the Python block, which the test runs as study.py",
    r"^bash \.ci/test$": "CI's own command: it runs this test suite",
    r"^\.venv/bin/pip install ": "installs packages (the network); this environment has "
                                "every extra",
    r"^\.venv/bin/dask ": "starts a Dask scheduler or worker (a cluster)",
    r"--scheduler tcp://": "needs a Dask cluster",
    r"^\.venv/bin/regsim app\b": "serves the dashboard until stopped (tests/test_app_*.py "
                                 "drive it)",
    r"^\.venv/bin/python benchmarks/": "a long benchmark",
    r"^\.venv/bin/(regsim)?$": "a name in prose (the folder, the program), not a command line",
    r"^\.venv/bin/regsim sweep$": "the command's name in prose, not a command line",
}

KNOWN_BROKEN: dict[str, str] = {}
"""Commands that fail today for a filed defect: the test checks that they still fail (and so
fails once the fix lands, to have the entry removed)."""


@dataclass
class Command:
    text: str
    line: int
    code: str = ""
    """A Python block's code (`text` is then "python-block")."""


def readme_commands(markdown: str) -> list[Command]:
    """Every command of the README, in order (see the module docstring)."""
    commands: list[Command] = []
    lines = markdown.splitlines()
    index, prose = 0, []
    while index < len(lines):
        fence = re.match(r"^```(\w*)\s*$", lines[index])
        if not fence:
            prose.append((index + 1, lines[index]))
            index += 1
            continue
        commands += _inline_commands(prose)
        prose = []
        language, start = fence.group(1), index + 1
        index += 1
        block = []
        while not lines[index].startswith("```"):
            block.append(lines[index])
            index += 1
        index += 1
        if language == "bash":
            commands += [Command(text, start + offset) for offset, text in _joined(block)]
        elif language == "python":
            commands.append(Command("python-block", start, "\n".join(block) + "\n"))
        elif language == "":
            commands += [Command(text[2:], start + offset) for offset, text in _joined(block)
                         if text.startswith("$ ")]
    return commands + _inline_commands(prose)


def _joined(block: list[str]) -> list[tuple[int, str]]:
    """Lines with `\\` continuations joined, comments dropped, with their offsets."""
    joined, current, first = [], "", 0
    for offset, line in enumerate(block, start=1):
        if not current:
            first = offset
        text = line.split("  #")[0].rstrip()
        if text.endswith("\\"):
            current += text[:-1].strip() + " "
            continue
        current += text.strip()
        if current:
            joined.append((first, current))
        current = ""
    return joined


def _inline_commands(prose: list[tuple[int, str]]) -> list[Command]:
    """Code spans starting with `.venv/bin/` in the prose (a span may wrap onto the next
    line; table rows are not prose)."""
    text = "\n".join(line for _, line in prose if not line.startswith("|"))
    numbers = [number for number, line in prose if not line.startswith("|")]
    commands = []
    for match in re.finditer(r"`([^`]+)`", text):
        span = " ".join(match.group(1).split())
        if span.startswith(".venv/bin/"):
            line = numbers[text.count("\n", 0, match.start())] if numbers else 0
            commands.append(Command(span, line))
    return commands


def skip_reason(command: str) -> str | None:
    for pattern, reason in SKIPPED.items():
        if re.search(pattern, command):
            return reason
    return None


def shrink(command: str) -> str:
    """The command with the small settings of the module docstring."""
    words = shlex.split(command)
    name = words[1] if len(words) > 1 else ""
    if words[0] != ".venv/bin/regsim" or "--resume" in words:
        return command
    if name == "check":
        return shlex.join([*words, "--quick"])
    if name == "search":  # the search has no --set: fewer candidates, generations and futures
        for option, value in (("--population", "4"), ("--generations", "2"),
                              ("--futures", "2"), ("--fresh-futures", "2")):
            words = _set_option(words, (option,), value)
        return shlex.join(words)
    if name not in ("run", "compare", "sweep"):
        return command
    words = _set_option(words, ("-n", "--replicates"), "2")
    if name == "sweep":
        words = _set_option(words, ("--samples",), "4")
    return shlex.join([*words, *SMALL_SET])


def _set_option(words: list[str], names: tuple[str, ...], value: str) -> list[str]:
    for position, word in enumerate(words):
        if word in names:
            return [*words[:position + 1], value, *words[position + 2:]]
    return [*words, names[0], value]


def shrink_python(code: str) -> str:
    """The Python block with small settings on each experiment."""
    code = re.sub(r"replicates=\d+", "replicates=2", code)
    code = re.sub(r"(sim\.(?:run|compare|sweep)\(.*)\)$", rf"\1, set={SMALL_PYTHON})", code,
                  flags=re.MULTILINE)
    assert code.count(f"set={SMALL_PYTHON}") == 3, code
    return code


def test_the_readme_commands_are_found() -> None:
    commands = readme_commands(README.read_text(encoding="utf-8"))
    texts = [c.text for c in commands]
    assert SETUP in texts and "python-block" in texts
    assert ".venv/bin/regsim run crackdown" in texts  # an inline one
    assert any(t.startswith(".venv/bin/regsim sweep baseline --param") for t in texts)  # joined
    unknown = [f"README.md:{c.line}: {c.text}" for c in commands
               if c.text != SETUP and not RUN.search(c.text) and skip_reason(c.text) is None]
    assert unknown == [], "neither run by tests/test_readme.py nor listed in its SKIPPED"
    unused = [p for p in SKIPPED if not any(re.search(p, t) for t in texts)]
    assert unused == [], "skip rules that match no README command: remove them"
    assert len([t for t in texts if t == "python-block"]) == 1, f"one script, {SCRIPT}"


def test_the_setup_block_is_exactly_two_commands() -> None:
    markdown = README.read_text(encoding="utf-8")
    block = markdown.split("## Set up", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    assert block.splitlines() == [SETUP, "bash .ci/test"]
    assert (ROOT / ".ci" / "test").is_file()


@pytest.fixture()
def clone(tmp_path: Path) -> Path:
    """A folder standing for a fresh clone with its `.venv` (see the module docstring)."""
    if sys.prefix == sys.base_prefix:
        pytest.skip("not in a virtual environment: the README's commands call .venv/bin/")
    if not (Path(sys.prefix) / "bin" / "regsim").exists():
        pytest.skip("regsim is not installed in this environment")
    folder = tmp_path / "regsim"
    folder.mkdir()
    (folder / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    for name in ("scenarios", "docs", "benchmarks", ".ci"):
        (folder / name).symlink_to(ROOT / name, target_is_directory=True)
    return folder


@pytest.mark.slow
def test_every_readme_command_runs_as_written(clone: Path) -> None:
    started = time.process_time()
    children = os.times()
    failures = []
    for command in readme_commands(README.read_text(encoding="utf-8")):
        if command.text == SETUP:
            text = shrink(SETUP.rsplit(" && ", 1)[1])  # this environment is the new .venv
        elif skip_reason(command.text) is not None:
            continue
        elif command.text == "python-block":
            (clone / SCRIPT).write_text(shrink_python(command.code), encoding="utf-8")
            text = f".venv/bin/python {SCRIPT}"
        else:
            text = shrink(_fill_placeholders(command.text, clone))
        completed = subprocess.run(["bash", "-c", text], cwd=clone, capture_output=True,
                                   text=True, timeout=900, env=_fresh_shell_environment())
        broken = [why for pattern, why in KNOWN_BROKEN.items() if re.search(pattern, text)]
        if (completed.returncode != 0) != bool(broken):
            failures.append(f"README.md:{command.line}: {text}\n  exit "
                            f"{completed.returncode}: {completed.stderr.strip()[-800:]}"
                            + (f"\n  listed as broken ({broken[0]}) but it works: remove it "
                               "from KNOWN_BROKEN" if broken else ""))
    assert failures == []
    assert (clone / "results" / "kill_switch-api" / "summaries.csv").is_file()  # the script's
    spent = os.times()
    cpu_s = (time.process_time() - started + spent.children_user - children.children_user
             + spent.children_system - children.children_system)
    print(f"the README's commands took {cpu_s:.0f} CPU-seconds")  # 73 s on 3.11 (aim: < 90)
    assert cpu_s < 120, f"the README's commands took {cpu_s:.0f} CPU-seconds"


def _fill_placeholders(command: str, clone: Path) -> str:
    results = clone / "results"

    def only(pattern: str) -> str:
        found = sorted(p.name for p in results.glob(pattern) if p.is_dir())
        assert len(found) == 1, (pattern, found)
        return f"results/{found[0]}"

    if "<compare-folder>" in command:
        command = command.replace("results/<compare-folder>", only("baseline-vs-kill_switch-*"))
    if "results/baseline-sweep-<time>" in command:
        command = command.replace("results/baseline-sweep-<time>", only("baseline-sweep-*"))
    assert "<" not in command.replace("<=", ""), f"an unknown placeholder: {command}"
    return command


def _fresh_shell_environment() -> dict[str, str]:
    """This process's environment without the virtual environment's activation."""
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    bin_dir = str(Path(sys.prefix) / "bin")
    environment["PATH"] = os.pathsep.join(p for p in environment.get("PATH", "").split(
        os.pathsep) if p != bin_dir)
    return environment
