"""Malformed scenarios and arguments: exit status 2, the key or line named, never a traceback."""

from __future__ import annotations

import string
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario

BASE = """\
[scenario]
name = "base"
question = "Is this scenario valid?"

[[developers]]
name = "meta"
jurisdiction = "US"
release_strategy = "open"
initial_run_flop = 1e26
"""

REGULATOR = """
[[regulators]]
name = "california"
jurisdiction = "US-CA"
reach = "market"

[[regulators.policies]]
kind = "kill_switch"
"""


@dataclass
class Case:
    """A malformed scenario: files to write (the first is validated), `--set`s, what to expect."""

    files: dict[str, str | bytes]
    expect: list[str]
    overrides: list[str] = field(default_factory=list)
    target: str | None = None  # validate this path (relative to tmp_path) instead of a file


def base_with(replace: str = "", by: str = "", append: str = "") -> str:
    text = BASE.replace(replace, by) if replace else BASE
    return text + textwrap.dedent(append)


CASES = {
    "wrong type": Case(
        {"s.toml": base_with('question = "Is', 'months = "twelve"\nquestion = "Is')},
        ["scenario.months: expected an integer from 1 to 1200; found 'twelve'"],
    ),
    "misspelt key": Case(
        {"s.toml": base_with(append="securty_level = 3\n")},
        ["developers.meta: unknown key 'securty_level'; did you mean 'security_level'?"],
    ),
    "boolean for a number": Case(
        {"s.toml": base_with('question = "Is', 'months = true\nquestion = "Is')},
        ["scenario.months: expected an integer from 1 to 1200; found True"],
    ),
    "quoted number": Case(
        {"s.toml": base_with(append="security_level = \"3\"\n")},
        ["developers.meta.security_level: expected an integer from 1 to 5; found '3'"],
    ),
    "missing required key": Case(
        {"s.toml": base_with('release_strategy = "open"\n', "")},
        ["developers.meta: missing required key 'release_strategy'"],
    ),
    "negative months": Case(
        {"s.toml": base_with('question = "Is', 'months = -6\nquestion = "Is')},
        ["scenario.months: expected an integer from 1 to 1200; found -6"],
    ),
    "unknown policy kind": Case(
        {"s.toml": base_with(append=REGULATOR.replace("kill_switch", "killswitch"))},
        [
            "regulators.california.policies.killswitch.kind: unknown policy kind 'killswitch'",
            "did you mean 'kill_switch'?",
            "known kinds: api_kyc",
        ],
    ),
    "month 13": Case(
        {"s.toml": base_with('question = "Is', 'start = "2025-13"\nquestion = "Is')},
        ["scenario.start: expected a month from 2000-01 to 2100-12, as 'YYYY-MM'; "
         "found '2025-13'; month must be 01-12"],
    ),
    "month in words": Case(
        {"s.toml": base_with('question = "Is', 'start = "Jan 2025"\nquestion = "Is')},
        ["scenario.start: expected a month from 2000-01 to 2100-12, as 'YYYY-MM'; "
         "found 'Jan 2025'"],
    ),
    "TOML syntax error": Case(
        {"s.toml": base_with(append="security_level = = 3\n")},
        ["s.toml: TOML syntax error", "line 10"],
    ),
    "extends cycle": Case(
        {"a.toml": 'extends = "b.toml"\n', "b.toml": 'extends = "a.toml"\n'},
        ["b.toml: extends: forms a cycle:", "a.toml -> ", "b.toml -> ", "a.toml"],
    ),
    "extends a missing file": Case(
        {"s.toml": 'extends = "nothere.toml"\n' + BASE},
        ["s.toml: extends:", "nothere.toml: file not found", "extends chain:"],
    ),
    "extends not a string": Case(
        {"s.toml": "extends = 3\n" + BASE},
        ["s.toml: extends: expected a file name such as 'baseline.toml'; found 3"],
    ),
    "probability out of range": Case(
        {"s.toml": base_with(append="\n[world.theft]\nmax_hazard_per_month = 1.5\n")},
        ["world.theft.max_hazard_per_month: expected a number from 0 to 1; found 1.5"],
    ),
    "--set without '='": Case(
        {"s.toml": BASE}, ["--set: expected KEY=VALUE"], overrides=["scenario.months"]
    ),
    "--set unknown agent": Case(
        {"s.toml": BASE},
        ["--set: developers.mta: unknown developer name 'mta'; did you mean 'meta'?"],
        overrides=["developers.mta.security_level=3"],
    ),
    "--set bad literal": Case(
        {"s.toml": BASE},
        ["--set: scenario.months: expected a TOML value", "found '[1,'"],
        overrides=["scenario.months=[1,"],
    ),
    "--set out of range": Case(
        {"s.toml": BASE},
        ["--set: developers.meta.security_level: expected an integer from 1 to 5; found 9"],
        overrides=["developers.meta.security_level=9"],
    ),
    "duplicate developer": Case(
        {"s.toml": BASE + BASE[BASE.index("[[developers]]") :]},
        ["developers.meta: duplicate developer name 'meta'"],
    ),
    "duplicate policy": Case(
        {"s.toml": BASE + REGULATOR + '\n[[regulators.policies]]\nkind = "kill_switch"\n'},
        ["regulators.california.policies.kill_switch: duplicate policy name 'kill_switch'"],
    ),
    "hybrid without size limit": Case(
        {"s.toml": base_with('"open"', '"hybrid"')},
        ["developers.meta: a hybrid developer needs open_size_limit_flop"],
    ),
    "shares not summing to 1": Case(
        {"s.toml": base_with(append="\n[world.ecosystem]\njurisdiction_shares = { US = 0.5 }\n")},
        ["world.ecosystem: jurisdiction_shares must sum to 1, found 0.5"],
    ),
    "unknown top-level table": Case(
        {"s.toml": base_with(append="\n[wrld]\nopen_spillover = 0.2\n")},
        ["s.toml: unknown key 'wrld'; did you mean 'world'?"],
    ),
    "no developers": Case(
        {"s.toml": BASE[: BASE.index("[[developers]]")]},
        ["s.toml: missing required key 'developers'"],
    ),
    "remove an unknown name": Case(
        {"s.toml": base_with(append='\n[[developers]]\nname = "meat"\nremove = true\n')},
        ["developers.meat: no developer named 'meat' to remove; did you mean 'meta'?"],
    ),
    "file does not exist": Case({}, ["nothere.toml: no such file"], target="nothere.toml"),
    "a directory": Case({"sub/x.toml": BASE}, ["is a directory"], target="sub"),
    "binary garbage": Case(
        {"s.toml": b"\x89PNG\r\n\x1a\n\x00\xff\xfe garbage"}, ["s.toml: not UTF-8 text"]
    ),
    "nested too deeply": Case({"s.toml": "v = " + "[" * 50_000}, ["s.toml: nested too deeply"]),
}


def write_case(case: Case, directory: Path) -> Path:
    for name, content in case.files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return directory / (case.target or next(iter(case.files)))


def validate_args(case: Case, path: Path) -> list[str]:
    args = ["validate", str(path)]
    for override in case.overrides:
        args += ["--set", override]
    return args


def assert_reported(case: Case, exit_code: int, stderr: str, output: str) -> None:
    assert exit_code == 2, output
    for expected in case.expect:
        assert expected in stderr, f"{expected!r} not in:\n{stderr}"
    assert all(line.startswith("error: ") for line in stderr.splitlines()), stderr
    assert "Traceback" not in output and "Traceback" not in stderr


@pytest.mark.parametrize("name", CASES)
def test_bad_input_through_the_cli(tmp_path, name):
    case = CASES[name]
    path = write_case(case, tmp_path)
    result = CliRunner().invoke(main, validate_args(case, path))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    assert_reported(case, result.exit_code, result.stderr, result.output)
    assert "ok:" not in result.stdout


@pytest.mark.parametrize(
    "name",
    [
        "TOML syntax error",
        "misspelt key",
        "extends cycle",
        "--set unknown agent",
        "binary garbage",
        "file does not exist",
    ],
)
def test_bad_input_through_a_real_process(tmp_path, name):
    case = CASES[name]
    path = write_case(case, tmp_path)
    command = [sys.executable, "-m", "sim.cli", *validate_args(case, path)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert_reported(case, result.returncode, result.stderr, result.stdout + result.stderr)


def test_show_reports_bad_input_like_validate(tmp_path):
    case = CASES["misspelt key"]
    result = CliRunner().invoke(main, ["show", str(write_case(case, tmp_path))])
    assert_reported(case, result.exit_code, result.stderr, result.output)


def test_validate_reports_each_file_and_still_says_ok_for_the_good_ones(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(BASE)
    bad = write_case(CASES["negative months"], tmp_path)
    result = CliRunner().invoke(main, ["validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert result.stdout == f"ok: {good}\n"
    assert "scenario.months" in result.stderr


def test_every_problem_is_reported_at_once(tmp_path):
    text = textwrap.dedent(
        """\
        [scenario]
        name = "many problems"
        question = "How many problems?"
        months = 0
        start = "2025-13"

        [world.theft]
        hazard_per_month_at_parity = -0.1

        [[developers]]
        name = "meta"
        jurisdiction = "us"
        release_strategy = "opn"
        initial_run_flop = 1e26
        securty_level = 3

        [[developers]]
        name = "openai"
        jurisdiction = "US"
        release_strategy = "closed"
        initial_run_flop = 1e26

        [[states]]
        name = "china"
        jurisdictions = ["CN"]

        [[states]]
        name = "china"
        jurisdictions = ["CN"]

        [[regulators]]
        name = "california"
        jurisdiction = "US-CA"
        reach = "market"
        [[regulators.policies]]
        kind = "kil_switch"
        """
    )
    path = tmp_path / "many.toml"
    path.write_text(text)
    result = CliRunner().invoke(
        main, ["validate", str(path), "--set", "regulators.californa.reach=domicile"]
    )
    assert result.exit_code == 2
    expected_keys = [
        "states.china: duplicate state name 'china'",
        "--set: regulators.californa: unknown regulator name 'californa'; did you mean",
        "scenario.name:",
        "scenario.months:",
        "scenario.start:",
        "world.theft.hazard_per_month_at_parity:",
        "developers.meta.jurisdiction:",
        "developers.meta.release_strategy:",
        "developers.meta: unknown key 'securty_level'",
        "regulators.california.policies.kil_switch.kind:",
    ]
    for key in expected_keys:
        assert key in result.stderr, f"{key!r} not in:\n{result.stderr}"
    assert len(result.stderr.splitlines()) == len(expected_keys)


# Fuzzing: whatever the input, only a ScenarioError -------------------------------------------

VOCABULARY = [
    "scenario",
    "world",
    "developers",
    "states",
    "regulators",
    "policies",
    "sweep",
    "extends",
    "name",
    "question",
    "months",
    "start",
    "kind",
    "kill_switch",
    "threshold_flop",
    "remove",
    "jurisdiction",
    "release_strategy",
    "initial_run_flop",
    "ecosystem",
    "jurisdiction_shares",
    "cadence_months",
    "security_level",
    "markets",
    "reach",
    "meta",
    "US",
    "theft",
]
keys = st.one_of(st.sampled_from(VOCABULARY), st.text(string.ascii_letters + "_-", min_size=1))
scalars = st.one_of(
    st.integers(),
    st.floats(),
    st.booleans(),
    st.text(max_size=20),
    st.sampled_from(VOCABULARY),
    st.dates(),
    st.sampled_from(
        ["2025-13", "open", "hybrid", ".", "..", "/", "base.toml", "a\x00b", "a" * 300]
    ),
)
toml_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=25,
)
documents = st.dictionaries(keys, toml_values, max_size=8)
override_texts = st.one_of(
    st.text(max_size=40),
    st.builds(
        "{}={}".format, st.lists(keys, min_size=1, max_size=4).map(".".join), st.text(max_size=15)
    ),
)
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def load_only_fails_with_scenario_error(path: Path, overrides: Sequence[str] = ()) -> None:
    try:
        load_scenario(path, overrides)
    except ScenarioError as error:
        assert error.problems and all(p.format() for p in error.problems)


@FUZZ
@given(content=st.binary(max_size=300))
def test_random_bytes_only_raise_scenario_error(tmp_path, content):
    path = tmp_path / "fuzz.toml"
    path.write_bytes(content)
    load_only_fails_with_scenario_error(path)


@FUZZ
@given(
    lines=st.lists(
        st.one_of(
            st.builds("[{}]".format, keys),
            st.builds("[[{}]]".format, keys),
            st.builds(
                "{} = {}".format,
                keys,
                st.sampled_from(
                    [
                        "1",
                        "-1",
                        "1e26",
                        '"x"',
                        "[1, 2]",
                        "{ a = 1 }",
                        "true",
                        "2025-01-01",
                        "[",
                        '"',
                        "=",
                    ]
                ),
            ),
            st.text(max_size=20),
        ),
        max_size=12,
    )
)
def test_random_toml_ish_text_only_raises_scenario_error(tmp_path, lines):
    path = tmp_path / "fuzz.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    load_only_fails_with_scenario_error(path)


@FUZZ
@given(document=documents, overrides=st.lists(override_texts, max_size=3))
def test_random_toml_documents_and_overrides_only_raise_scenario_error(
    tmp_path, document, overrides
):
    path = tmp_path / "fuzz.toml"
    (tmp_path / "base.toml").write_text(BASE)
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    load_only_fails_with_scenario_error(path, overrides)


@FUZZ
@given(patch=documents, overrides=st.lists(override_texts, max_size=3))
def test_random_extensions_of_a_valid_base_only_raise_scenario_error(tmp_path, patch, overrides):
    (tmp_path / "base.toml").write_text(BASE + REGULATOR)
    path = tmp_path / "fuzz.toml"
    path.write_text('extends = "base.toml"\n' + tomli_w.dumps(patch), encoding="utf-8")
    load_only_fails_with_scenario_error(path, overrides)
