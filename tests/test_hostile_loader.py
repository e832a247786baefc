"""Hostile scenario input, round 2 (issue 15): TOML bombs, crafted sweep folders of absurd size,
structural `[uncertainty]` keys, bidi and C1 controls in text, the Python API's exceptions,
unknown `--outcome`s, and `extends` reading files that are not scenarios.

The TOML bombs run in a child process under memory and CPU limits (so a regression cannot take
the machine down) and report the child's own peak memory and CPU time.
"""

from __future__ import annotations

import hashlib
import json
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import sim
from sim.cli import main
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
SMALL = ["--set", "scenario.months=12", "--set", "world.ecosystem.adopters=200"]
PARTS = 200_000  # the worst file: some 400 KB, 24 GB in tomllib before the guard
CHILD_LIMIT_BYTES = 3 * 1024**3
CHILD_LIMIT_CPU_S = 60
MAX_PEAK_MB = 400  # the command's own imports included (pandas for report)
MAX_CPU_S = 15.0  # generous for a busy machine: refused bombs take well under a second


# TOML bombs ------------------------------------------------------------------------------------

def dotted_key(parts: int = PARTS) -> str:
    return ".".join(["a"] * parts) + " = 1\n"


BOMBS = {
    "dotted key": dotted_key(),
    "table header": "[" + ".".join(["a"] * PARTS) + "]\n",
    "array of tables header": "[[" + ".".join(["a"] * PARTS) + "]]\n",
    "quoted dotted key": ".".join(['"a"'] * (PARTS // 2)) + " = 1\n",
    "dotted key in an inline table": "x = { " + dotted_key().strip() + " }\n",
    "nested arrays": "x = " + "[" * 50_000 + "]" * 50_000 + "\n",
    "nested inline tables": "x = " + "{ a = " * 20_000 + "1" + " }" * 20_000 + "\n",
    "long key": "a" * 100_000 + " = 1\n",
}
WHAT = {"nested arrays": "levels deep", "nested inline tables": "levels deep",
        "long key": "characters"}


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_LIMIT_BYTES, CHILD_LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CHILD_LIMIT_CPU_S, CHILD_LIMIT_CPU_S))


CHILD = textwrap.dedent("""
    import json, resource, sys, time
    from sim.cli import main
    code = 0
    try:
        main(sys.argv[1:], prog_name="regsim")
    except SystemExit as exit:
        code = exit.code
    # Peak memory of this program: VmHWM starts anew at exec, whereas ru_maxrss keeps the
    # forking parent's (the test process, some 450 MB late in a full test run).
    with open("/proc/self/status") as status:
        hwm_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(json.dumps({"code": code, "cpu_s": time.process_time(), "peak_mb": hwm_kb / 1024}))
""")


def run_measured(*argv: str, cwd: Path) -> tuple[dict, list[str]]:
    """Run `regsim ARGV` in a limited child: its exit code, CPU time and peak memory, and the
    lines it wrote to stderr."""
    done = subprocess.run([sys.executable, "-c", CHILD, *argv], cwd=cwd, capture_output=True,
                          text=True, preexec_fn=_limit_child, timeout=600)
    lines = done.stdout.strip().splitlines()
    assert lines, f"the child died (status {done.returncode}): {done.stderr[-500:]}"
    return json.loads(lines[-1]), [line for line in done.stderr.splitlines() if line.strip()]


def assert_refused(measured: dict, errors: list[str], file: str, what: str) -> None:
    assert measured["code"] == 2, (measured, errors[-3:])
    assert len(errors) == 1 and errors[0].startswith("error: "), errors[-3:]
    assert file in errors[0] and what in errors[0], errors[0]
    assert measured["peak_mb"] < MAX_PEAK_MB, measured
    assert measured["cpu_s"] < MAX_CPU_S, measured


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_toml_bomb_scenario_is_refused_at_once(tmp_path: Path, name: str) -> None:
    (tmp_path / "bomb.toml").write_text(BOMBS[name])
    measured, errors = run_measured("validate", "bomb.toml", cwd=tmp_path)
    assert_refused(measured, errors, "bomb.toml", WHAT.get(name, "dotted parts"))


def test_a_toml_bomb_as_an_extends_base_is_refused_at_once(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text(BOMBS["dotted key"])
    (tmp_path / "policy.toml").write_text('extends = "base.toml"\n')
    measured, errors = run_measured("validate", "policy.toml", cwd=tmp_path)
    assert_refused(measured, errors, "base.toml", "dotted parts")


def test_a_toml_bomb_in_a_set_value_or_key_is_refused_at_once(tmp_path: Path) -> None:
    nested = "[" * 50_000 + "]" * 50_000
    measured, errors = run_measured("validate", str(BASELINE), "--set",
                                    f"scenario.description={nested}", cwd=tmp_path)
    assert_refused(measured, errors, "--set", "levels deep")
    long_key = ".".join(["a"] * 60_000)  # one argument may hold 128 KiB
    measured, errors = run_measured("validate", str(BASELINE), "--set", f"{long_key}=1",
                                    cwd=tmp_path)
    assert_refused(measured, errors, "--set", "at most")


def _run_folder(tmp: Path) -> Path:
    result = CliRunner().invoke(main, ["run", str(BASELINE), "-n", "1", "--no-plots", *SMALL,
                                       "--out", str(tmp / "run"), "--quiet"])
    assert result.exit_code == 0, result.output
    return tmp / "run"


def test_a_toml_bomb_in_a_results_folder_is_refused_by_report_and_open(tmp_path: Path) -> None:
    folder = _run_folder(tmp_path)
    (folder / "scenario.toml").write_text(BOMBS["table header"])
    measured, errors = run_measured("report", str(folder), "--out", str(tmp_path / "brief"),
                                    cwd=tmp_path)
    assert_refused(measured, errors, "scenario.toml", "dotted parts")
    with pytest.raises(ValueError, match="dotted parts"):
        sim.open(folder).scenario  # noqa: B018 (the property reads the file)


def test_a_toml_bomb_in_a_sweep_folder_is_refused_on_resume(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["sweep", str(BASELINE), *SMALL, "--param",
                                       "world.theft.hazard_per_month_at_parity=0.001,0.01",
                                       "-n", "1", "-j", "1", "--no-plots", "--quiet",
                                       "--out", str(tmp_path / "sweep")])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "sweep"
    bomb = BOMBS["dotted key"].encode()
    (folder / "scenario.toml").write_bytes(bomb)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["model"]["scenario_sha256"] = hashlib.sha256(bomb).hexdigest()
    manifest["status"] = "running"
    manifest.pop("runs", None)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    measured, errors = run_measured("sweep", "--resume", str(folder), "-j", "1", cwd=tmp_path)
    assert_refused(measured, errors, "scenario.toml", "dotted parts")


def test_every_bundled_scenario_and_documented_example_passes_the_guard() -> None:
    from sim.scenario.toml_guard import check_shape

    for path in sorted((REPO / "scenarios").glob("*.toml")):
        check_shape(path.read_text())
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for block in doc.read_text().split("```toml")[1:]:
            check_shape(block.split("```")[0])


# Bidi and C1 controls in text ------------------------------------------------------------------

CONTROLS = ["\u202e", "\u202a", "\u202d", "\u2066", "\u2069", "\u200e", "\u200f", "\u009b",
            "\u0080", "\u009f"]


@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
@pytest.mark.parametrize("key", ["scenario.question", "developers.meta.label",
                                 "scenario.description"])
def test_bidi_and_c1_controls_are_refused_in_text(key: str, char: str) -> None:
    value = json.dumps(f"evil{char}txet")
    with pytest.raises(ScenarioError, match="control characters") as caught:
        load_scenario(BASELINE, [f"{key}={value}"])
    assert caught.value.problems[0].key == key


def test_text_without_controls_still_loads() -> None:
    text = json.dumps("Zürich — «ok» 東京 naïve\ttab")
    load_scenario(BASELINE, [f"scenario.description={text}",
                             'developers.meta.label="Méta — ok"'])


# The Python API raises ScenarioError for every bad `set=` and scenario -------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

KEYS = ["scenario.months", "scenario.description", "world.ecosystem.adopters",
        "developers.meta.security_level", "world.compute.ceiling_flop_2030", "nope.key",
        "regulators.california.policies.kill_switch.threshold_flop"]
ODD_VALUES = st.one_of(
    st.none(), st.floats(), st.integers(min_value=-(10**6000), max_value=10**6000),
    st.sampled_from([10**5000, -(10**5000), 2**64, float("inf"), float("nan"), 1 + 2j, b"x",
                     object(), {1, 2}, range(3), ...]),
    st.text(max_size=30), st.binary(max_size=5), st.datetimes(), st.dates(), st.times(),
    st.lists(st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=5)), max_size=3),
    st.dictionaries(st.one_of(st.text(max_size=5), st.integers(), st.none()),
                    st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=3))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(key=st.sampled_from(KEYS), value=ODD_VALUES)
def test_any_set_value_gives_a_scenario_error_or_a_scenario(key: str, value: object) -> None:
    try:
        sim.load("baseline", set={key: value})
    except ScenarioError as error:
        # Each problem names --set, or is a check across fields that the value broke (e.g. a
        # 2030 compute ceiling so high that the start's interpolated ceiling falls below a
        # lab's first run), which names the scenario file and no single key.
        assert error.problems and all(p.file == "--set" or not p.key
                                      for p in error.problems), error


@pytest.mark.parametrize("overrides", [{"scenario.months": None}, {"scenario.months": 10**5000},
                                       {"scenario.months": b"12"}, 5, {"a" * 2000: 1}])
def test_the_api_raises_scenario_error_with_the_command_lines_message(overrides) -> None:
    with pytest.raises(ScenarioError, match=r"^--set: "):
        sim.run("baseline", replicates=1, set=overrides)


@pytest.mark.parametrize("scenario", [None, 5, b"baseline", 1.5])
def test_a_scenario_that_is_no_name_path_or_scenario_is_a_scenario_error(scenario) -> None:
    with pytest.raises(ScenarioError, match="a bundled scenario's name, a path or a Scenario"):
        sim.load(scenario)


# A crafted sweep folder too large to run is refused on resume, as a new sweep is --------------

def _crafted_sweep(tmp: Path, points: int, replicates: int, sets: tuple[str, ...] = ()) -> Path:
    """A genuine sweep folder (not yet run), rewritten to `points` x `replicates` runs of the
    small baseline with `sets`, every hash and seed consistent, as a crafter would."""
    import tomllib

    from sim.experiments.design import Parameter, make_design
    from sim.experiments.models import ScenarioModel
    from sim.experiments.seeds import replicate_seeds
    from sim.experiments.sweep import create_sweep

    scenario = load_scenario(BASELINE, ["scenario.months=12", "world.ecosystem.adopters=200",
                                        *sets])
    design = make_design([Parameter("world.theft.hazard_per_month_at_parity",
                                    values=(0.001, 0.01))], "grid")
    folder = create_sweep(tmp / "sweep", ScenarioModel(tomllib.loads(scenario.to_toml())),
                          design, 5, 2, "small")
    manifest = json.loads((folder / "manifest.json").read_text())
    described = json.loads((folder / "design.json").read_text())
    described["points"] = [[0.001]] * points
    manifest["design"]["points"] = points
    manifest.update(replicates=replicates, replicate_seeds=replicate_seeds(5, replicates),
                    total_runs=points * replicates)
    (folder / "design.json").write_text(json.dumps(described))
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


class Hang(BaseException):
    """Raised by the alarm: the command started computing what it should have refused."""


def resume_within(folder: Path, seconds: int = 300):
    """`regsim sweep --resume FOLDER`, failed with Hang if it is still running after `seconds`
    (before the fix, a crafted folder started its runs)."""
    import signal

    def hang(*_: object) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        return CliRunner().invoke(main, ["sweep", "--resume", str(folder), "-j", "1"])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_sweep_folder_of_more_runs_than_a_new_sweep_may_have_is_refused(tmp_path: Path) -> None:
    folder = _crafted_sweep(tmp_path, points=1_001, replicates=100_000)  # 1e8 runs
    result = resume_within(folder)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert "manifest.json: total_runs: expected a number of runs up to 10,000,000" in \
        result.stderr
    assert not (folder / "runs.jsonl").exists()


def test_a_sweep_folder_beyond_the_time_budget_is_refused_on_resume(tmp_path: Path) -> None:
    # 1,000 points x 1,000 replicates of 900 months and 50 million adopters: centuries
    folder = _crafted_sweep(tmp_path, points=1_000, replicates=1_000,
                            sets=("scenario.months=900", "world.ecosystem.adopters=50000000"))
    result = resume_within(folder)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "manifest.json: total_runs: too large to run" in result.stderr
    assert not (folder / "runs.jsonl").exists()


# An unknown --outcome is refused before the sweep runs -------------------------------------------

SWEEP_ARGS = [str(BASELINE), *SMALL, "--param", "world.theft.hazard_per_month_at_parity=0.001,0.01",
              "-n", "1", "-j", "1", "--no-plots", "--quiet"]


def test_an_unknown_sweep_outcome_is_refused_before_running(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["sweep", *SWEEP_ARGS, "--outcome", "nope",
                                       "--out", str(tmp_path / "sweep")])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "--outcome 'nope': not an outcome" in result.stderr
    assert "mean_open_lag_months" in result.stderr and "thefts" in result.stderr
    assert not (tmp_path / "sweep").exists()


def test_known_outcomes_still_sweep_and_an_unknown_one_is_refused_on_resume(
        tmp_path: Path) -> None:
    folder = tmp_path / "sweep"
    result = CliRunner().invoke(main, ["sweep", *SWEEP_ARGS, "--outcome", "thefts",
                                       "--outcome", "state_mean_lag_months__prc",
                                       "--out", str(folder)])
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(main, ["sweep", "--resume", str(folder), "--outcome", "nope"])
    assert again.exit_code == 2 and "--outcome 'nope'" in again.stderr, again.output
    swept = sim.open(folder)
    with pytest.raises(ValueError, match="unknown outcome 'nope'.*thefts"):
        swept.plot("nope")


# [uncertainty] names only numeric model parameters, or formulation choices ----------------------

def _with_uncertainty(tmp: Path, table: str, base: Path = BASELINE) -> Path:
    path = tmp / "uncertain.toml"
    path.write_text(f'extends = "{base}"\n\n[uncertainty]\n{table}\n')
    return path


@pytest.mark.parametrize("entry, expect", [
    ('"scenario.months" = [12, 24]', "not a model parameter"),
    ('"scenario.seed" = { low = 1, high = 9 }', "not a model parameter"),
    ('"scenario.name" = ["a", "b"]', "not a model parameter"),
    ('"world.ecosystem.adopters" = [100, 200]', "not a model parameter"),
    ('"developers.meta.label" = ["x", "y"]', "only numeric model parameters"),
    ('"developers.meta.release_strategy" = ["open", "closed"]', "only numeric model parameters"),
    ('"developers.meta.jurisdiction" = ["US", "EU"]', "only numeric model parameters"),
    ('"world.nope" = [1, 2]', "names no parameter"),
    ('"developers.nobody.security_level" = [2, 3]', "names no parameter"),
    ('"world.theft.hazard_per_month_at_parity" = { low = 0.0, high = 5.0 }', "found 5.0"),
    ('"world.theft.hazard_per_month_at_parity" = ["0.1", "0.2"]', "found '0.1'"),
    ('"developers.meta.security_level" = { low = 1.5, high = 4.0 }', "integer low and high"),
])
def test_validate_refuses_an_uncertain_key_that_is_no_numeric_parameter(
        tmp_path: Path, entry: str, expect: str) -> None:
    path = _with_uncertainty(tmp_path, entry)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: uncertainty."), lines
    assert entry.split('"')[1] in lines[0] and expect in lines[0], lines[0]


def test_numeric_parameters_and_dotted_tables_may_be_uncertain(tmp_path: Path) -> None:
    path = _with_uncertainty(tmp_path, textwrap.dedent("""\
        "developers.meta.security_level" = [2, 3]
        "developer_groups.us_open_startups.count" = [1, 2]
        "regulators.california.policies.kill_switch.threshold_flop" = { low = 1e25, high = 1e27, scale = "log" }
        [uncertainty.world.theft]
        public_detection_probability = { low = 0.2, high = 0.6 }
        """), REPO / "scenarios" / "kill_switch.toml")  # noqa: E501
    scenario = load_scenario(path)
    assert "world.theft.public_detection_probability" in scenario.uncertainty
    for name in ("baseline", "sensitivity", "kill_switch"):
        sim.load(name)


def test_a_formulation_choice_may_be_uncertain_over_its_options(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A field marked `"formulation": True` (as model v3's choices will be) is drawn per
    replicate from the options listed; an option it does not know, or a range, is refused."""
    from sim.scenario.schema import RegulatorSpec

    regulator = load_scenario(BASELINE).regulators[0].name
    key = f"regulators.{regulator}.reach"
    refused = _with_uncertainty(tmp_path, f'"{key}" = ["domicile", "market"]')
    with pytest.raises(ScenarioError, match="only numeric model parameters"):
        load_scenario(refused)

    monkeypatch.setattr(RegulatorSpec.model_fields["reach"], "json_schema_extra",
                        {"formulation": True, "description": "test-only"})
    result = sim.run(refused, replicates=6, seed=3, uncertainty=True,
                     set={"scenario.months": 6, "world.ecosystem.adopters": 50})
    drawn = result.summaries[f"drawn__{key}"]
    assert set(drawn) == {"domicile", "market"}, list(drawn)
    for entry in (f'"{key}" = ["domicile", "everywhere"]', f'"{key}" = {{ low = 1, high = 2 }}'):
        with pytest.raises(ScenarioError, match=key):
            load_scenario(_with_uncertainty(tmp_path, entry))


# `extends` never shows a file that is not a scenario ------------------------------------------

SECRET = "SENTINEL-SECRET-4242"
NOT_SCENARIOS = {
    "passwd-like": f"root:x:0:0:{SECRET}:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/bin/sh\n",
    "another program's settings": f'token = "{SECRET}"\n[database]\npassword = "{SECRET}"\n',
    "a scenario key holding no table": f'scenario = "{SECRET}"\n',
    "developers that are no tables": f'developers = ["{SECRET}"]\n',
}


@pytest.mark.parametrize("name", list(NOT_SCENARIOS))
@pytest.mark.parametrize("command", [["validate"], ["show", "--raw"], ["show", "--json"]])
def test_a_base_that_is_no_scenario_is_refused_without_quoting_it(
        tmp_path: Path, name: str, command: list[str]) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "secrets").write_text(NOT_SCENARIOS[name])
    (tmp_path / "work").mkdir()
    policy = tmp_path / "work" / "policy.toml"
    policy.write_text('extends = "../etc/secrets"\n[scenario]\nname = "p"\n')
    result = CliRunner().invoke(main, [*command, str(policy)])
    assert result.exit_code == 2, result.output
    assert SECRET not in result.output + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "extends" in lines[0] and "secrets: not a scenario file" in \
        lines[0], lines


def test_extends_still_follows_sibling_parent_and_absolute_scenario_files(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "base.toml").write_text(BASELINE.read_text())
    (tmp_path / "shared" / "tight.toml").write_text(
        'extends = "base.toml"\n[scenario]\nname = "tight"\n')
    (tmp_path / "work").mkdir()
    parent = tmp_path / "work" / "parent.toml"
    parent.write_text('extends = "../shared/tight.toml"\n[scenario]\nname = "parent"\n')
    absolute = tmp_path / "work" / "absolute.toml"
    absolute.write_text(f'extends = "{BASELINE}"\n[scenario]\nname = "absolute"\n')
    assert load_scenario(parent).scenario.name == "parent"
    assert load_scenario(absolute).scenario.name == "absolute"
    shown = CliRunner().invoke(main, ["show", "--raw", str(parent)])
    assert shown.exit_code == 0 and 'name = "parent"' in shown.output
