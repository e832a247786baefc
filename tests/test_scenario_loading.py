"""Loading scenarios: `extends` merging by name, `remove`, provenance, `--set`, hints, schema."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sim.cli import main
from sim.scenario import loader
from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import (
    bundled_scenarios,
    find_scenario,
    load_scenario,
    resolve_raw,
)
from sim.scenario.overrides import apply_overrides, parse_value
from sim.scenario.schema import Scenario, json_schema

BASE = """\
[scenario]
name = "base"
question = "What does the base world do?"
months = 24

[[developers]]
name = "meta"
jurisdiction = "US"
release_strategy = "open"
initial_run_flop = 1e26
markets = ["US", "EU"]

[[developers]]
name = "openai"
jurisdiction = "US-CA"
release_strategy = "closed"
initial_run_flop = 2e26

[[regulators]]
name = "california"
jurisdiction = "US-CA"
reach = "market"

[[regulators.policies]]
kind = "kill_switch"
threshold_flop = 1e26
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def extend(directory: Path, text: str, name: str = "child.toml") -> Path:
    """A file extending `base.toml` (written too) with `text`."""
    write(directory, "base.toml", BASE)
    return write(directory, name, 'extends = "base.toml"\n' + textwrap.dedent(text))


def problems_of(path: Path, overrides: tuple[str, ...] = ()) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    return caught.value.problems


def developer(scenario: Scenario, name: str):
    return next(d for d in scenario.developers if d.name == name)


# extends: merge by name ----------------------------------------------------------------------


def test_base_loads(tmp_path):
    scenario = load_scenario(write(tmp_path, "base.toml", BASE))
    assert [d.name for d in scenario.developers] == ["meta", "openai"]
    assert scenario.regulators[0].policies[0].kind == "kill_switch"


def test_extends_changes_one_key_of_one_developer(tmp_path):
    child = extend(tmp_path, '[[developers]]\nname = "meta"\nsecurity_level = 4\n')
    scenario = load_scenario(child)
    meta = developer(scenario, "meta")
    assert meta.security_level == 4
    assert meta.release_strategy == "open" and meta.initial_run_flop == 1e26  # kept from base
    assert developer(scenario, "openai").security_level == 2  # untouched
    assert [d.name for d in scenario.developers] == ["meta", "openai"]


def test_extends_appends_a_new_developer(tmp_path):
    child = extend(
        tmp_path,
        """\
        [[developers]]
        name = "deepseek"
        jurisdiction = "CN"
        release_strategy = "open"
        initial_run_flop = 5e25
        """,
    )
    assert [d.name for d in load_scenario(child).developers] == ["meta", "openai", "deepseek"]


def test_extends_tables_merge_deeply(tmp_path):
    child = extend(tmp_path, '[scenario]\nname = "child"\n')
    meta = load_scenario(child).scenario
    assert (meta.name, meta.months, meta.question) == ("child", 24, "What does the base world do?")


def test_extends_adds_a_policy_to_a_named_regulator(tmp_path):
    child = extend(
        tmp_path,
        """\
        [[regulators]]
        name = "california"
        [[regulators.policies]]
        kind = "open_weight_licence"
        threshold_flop = 1e27
        """,
    )
    (california,) = load_scenario(child).regulators
    assert [p.kind for p in california.policies] == ["kill_switch", "open_weight_licence"]
    assert california.reach == "market"  # kept from base


def test_extends_changes_one_key_of_a_policy_named_by_its_kind(tmp_path):
    child = extend(
        tmp_path,
        """\
        [[regulators]]
        name = "california"
        [[regulators.policies]]
        kind = "kill_switch"
        exempt_open_weights = true
        """,
    )
    (policy,) = load_scenario(child).regulators[0].policies
    assert policy.exempt_open_weights is True
    assert policy.threshold_flop == 1e26


def test_a_policy_given_another_kind_replaces_the_old_one(tmp_path):
    base = BASE.replace('kind = "kill_switch"', 'name = "rule"\nkind = "kill_switch"')
    write(tmp_path, "base.toml", base)
    child = write(
        tmp_path,
        "child.toml",
        """\
        extends = "base.toml"
        [[regulators]]
        name = "california"
        [[regulators.policies]]
        name = "rule"
        kind = "api_kyc"
        """,
    )
    (policy,) = load_scenario(child).regulators[0].policies
    assert (policy.name, policy.kind) == ("rule", "api_kyc")  # no kill_switch keys left over


def test_remove_true_deletes_a_named_developer_and_policy(tmp_path):
    child = extend(
        tmp_path,
        """\
        [[developers]]
        name = "openai"
        remove = true

        [[regulators]]
        name = "california"
        [[regulators.policies]]
        kind = "kill_switch"
        remove = true
        """,
    )
    scenario = load_scenario(child)
    assert [d.name for d in scenario.developers] == ["meta"]
    assert scenario.regulators[0].policies == []


def test_remove_of_an_unknown_name_is_reported(tmp_path):
    child = extend(tmp_path, '[[developers]]\nname = "opnai"\nremove = true\n')
    (problem,) = problems_of(child)
    assert problem.file.endswith("child.toml")
    assert "opnai" in problem.format() and "did you mean 'openai'?" in problem.format()


def test_other_arrays_are_replaced_wholesale(tmp_path):
    child = extend(tmp_path, '[[developers]]\nname = "meta"\nmarkets = ["CN"]\n')
    assert developer(load_scenario(child), "meta").markets == ["CN"]


def test_extends_chains_through_three_files(tmp_path):
    extend(tmp_path, "[scenario]\nmonths = 36\n", name="middle.toml")
    top = write(tmp_path, "top.toml", 'extends = "middle.toml"\n[scenario]\nname = "top"\n')
    meta = load_scenario(top).scenario
    assert (meta.name, meta.months) == ("top", 36)


def test_extends_is_relative_to_the_extending_file(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path, "base.toml", BASE)
    child = write(tmp_path / "sub", "child.toml", 'extends = "../base.toml"\n')
    assert load_scenario(child).scenario.name == "base"


def test_duplicate_names_within_one_file_are_problems_but_across_files_merge(tmp_path):
    duplicated = BASE + '\n[[developers]]\nname = "meta"\njurisdiction = "CN"\n'
    (problem,) = problems_of(write(tmp_path, "dup.toml", duplicated))
    assert problem.key == "developers.meta" and "duplicate developer name 'meta'" in problem.message
    child = extend(tmp_path, '[[developers]]\nname = "meta"\njurisdiction = "CN"\n')
    assert developer(load_scenario(child), "meta").jurisdiction == "CN"


def test_resolve_raw_gives_the_merged_files_without_defaults(tmp_path):
    child = extend(tmp_path, '[[developers]]\nname = "meta"\nsecurity_level = 4\n')
    raw = resolve_raw(child, ["scenario.months=12"])
    assert "extends" not in raw and "world" not in raw
    assert raw["scenario"]["months"] == 12
    assert raw["developers"][0] == {
        "name": "meta",
        "jurisdiction": "US",
        "release_strategy": "open",
        "initial_run_flop": 1e26,
        "markets": ["US", "EU"],
        "security_level": 4,
    }


# Provenance ----------------------------------------------------------------------------------


def test_an_error_in_an_inherited_value_names_the_inherited_file(tmp_path):
    write(tmp_path, "base.toml", BASE.replace("months = 24", "months = -1"))
    child = write(tmp_path, "child.toml", 'extends = "base.toml"\n[scenario]\nname = "child"\n')
    (problem,) = problems_of(child)
    assert problem.file.endswith("base.toml") and problem.key == "scenario.months"


def test_an_error_in_the_extending_file_names_that_file(tmp_path):
    child = extend(tmp_path, '[[developers]]\nname = "meta"\nsecurity_level = 9\n')
    (problem,) = problems_of(child)
    assert problem.file.endswith("child.toml") and problem.key == "developers.meta.security_level"


def test_a_check_across_keys_names_the_file_that_changed_the_table(tmp_path):
    child = extend(tmp_path, '[[developers]]\nname = "meta"\nrelease_strategy = "hybrid"\n')
    (problem,) = problems_of(child)
    assert problem.file.endswith("child.toml") and problem.key == "developers.meta"
    assert "open_size_limit_flop" in problem.message


def test_an_error_in_an_override_names_set(tmp_path):
    path = write(tmp_path, "base.toml", BASE)
    (problem,) = problems_of(path, ("developers.meta.security_level=0",))
    assert problem.format() == (
        "--set: developers.meta.security_level: expected an integer from 1 to 5; found 0"
    )


# Overrides -----------------------------------------------------------------------------------


def test_overrides_address_agents_and_policies_by_name(tmp_path):
    path = write(tmp_path, "base.toml", BASE)
    scenario = load_scenario(
        path,
        [
            "regulators.california.policies.kill_switch.threshold_flop=1e25",
            "developers.meta.security_level=3",
            "scenario.months=12",
            "world.ecosystem.adopters=1000",
            "developers.openai.release_strategy=hybrid",
            "developers.openai.open_size_limit_flop=1e25",
        ],
    )
    assert scenario.regulators[0].policies[0].threshold_flop == 1e25
    assert developer(scenario, "meta").security_level == 3
    assert developer(scenario, "openai").release_strategy == "hybrid"
    assert scenario.scenario.months == 12
    assert scenario.world.ecosystem.adopters == 1000


def test_override_values_are_toml_literals_or_bare_words():
    assert parse_value("1e25") == 1e25
    assert parse_value("true") is True
    assert parse_value('"two words"') == "two words"
    assert parse_value("[6, 12]") == [6, 12]
    assert parse_value("{ US = 0.5, EU = 0.5 }") == {"US": 0.5, "EU": 0.5}
    assert parse_value("open") == "open"  # a bare word is a string
    assert parse_value("2025-03") == "2025-03"  # and so is a month
    with pytest.raises(ValueError):
        parse_value("two words")
    with pytest.raises(ValueError):
        parse_value("1\nextra = 2")


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.text()))
def test_override_values_round_trip_through_toml(value):
    literal = tomli_w.dumps({"v": value}).removeprefix("v = ").strip()
    assert parse_value(literal) == value


def test_apply_overrides_leaves_its_input_alone():
    raw = tomllib.loads(BASE)
    before = json.dumps(raw, sort_keys=True)
    changed, problems = apply_overrides(raw, ["developers.meta.security_level=3"])
    assert problems == [] and changed["developers"][0]["security_level"] == 3
    assert json.dumps(raw, sort_keys=True) == before


def test_an_unknown_name_in_a_set_path_suggests_the_nearest(tmp_path):
    path = write(tmp_path, "base.toml", BASE)
    (problem,) = problems_of(path, ("regulators.california.policies.kilswitch.threshold_flop=1",))
    assert problem.file == "--set"
    assert problem.key == "regulators.california.policies.kilswitch"
    assert problem.hint == "did you mean 'kill_switch'?"


# Suggestions and descriptions ----------------------------------------------------------------


def test_a_misspelt_key_suggests_the_nearest_valid_key(tmp_path):
    path = write(tmp_path, "s.toml", BASE.replace("threshold_flop", "threshhold_flop"))
    (problem,) = problems_of(path)
    assert problem.format().endswith(
        "regulators.california.policies.kill_switch: unknown key 'threshhold_flop'; "
        "did you mean 'threshold_flop'?"
    )


def test_an_unknown_policy_kind_lists_the_registered_kinds(tmp_path):
    from sim.model.policies import POLICY_KINDS

    path = write(tmp_path, "s.toml", BASE.replace('kind = "kill_switch"', 'kind = "killswitch"'))
    (problem,) = problems_of(path)
    assert problem.key == "regulators.california.policies.killswitch.kind"
    assert "did you mean 'kill_switch'?" in problem.hint
    assert all(kind in problem.hint for kind in POLICY_KINDS)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("release_strategy = 'opn'", "one of 'open', 'closed', 'hybrid'"),
        ("security_level = 6", "an integer from 1 to 5"),
        ("open_size_limit_flop = 'big'", "a number from 1e+10 to 1e+40"),
        ("markets = 'US'", "an array of at most 50 distinct items, each item a jurisdiction code"),
        ("cadence_months = [1, 2, 3]", "a pair of integers [min, max]"),
        ("aup_bans_military = 'maybe'", "true or false"),
    ],
)
def test_problems_say_what_was_expected(tmp_path, line, expected):
    closed = 'release_strategy = "closed"'
    text = BASE.replace(
        closed, line if line.startswith("release_strategy") else f"{closed}\n{line}"
    )
    (problem,) = problems_of(write(tmp_path, "s.toml", text))
    assert problem.key.startswith("developers.openai")
    assert problem.expected.startswith(expected)


def test_a_probability_out_of_range_is_described_with_both_bounds(tmp_path):
    text = BASE + "\n[world.theft]\nhazard_per_month_at_parity = 1.5\n"
    (problem,) = problems_of(write(tmp_path, "s.toml", text))
    assert problem.format().endswith(
        "world.theft.hazard_per_month_at_parity: expected a number from 0 to 1; found 1.5"
    )


# Finding scenarios and the schema ------------------------------------------------------------


def test_find_scenario_takes_a_path_or_a_bundled_name(tmp_path, monkeypatch):
    write(tmp_path, "baseline.toml", BASE)
    monkeypatch.setattr(loader, "bundled_dir", lambda: tmp_path)
    elsewhere = write(tmp_path.parent, "elsewhere.toml", BASE)
    assert find_scenario(elsewhere) == elsewhere
    assert find_scenario("baseline") == tmp_path / "baseline.toml"
    assert find_scenario("baseline.toml") == tmp_path / "baseline.toml"
    with pytest.raises(ScenarioError, match="bundled scenarios: baseline"):
        find_scenario("baselin")


def test_bundled_scenarios_lists_broken_files_with_their_error(tmp_path, monkeypatch):
    write(tmp_path, "good.toml", BASE)
    write(tmp_path, "broken.toml", "[scenario\n")
    monkeypatch.setattr(loader, "bundled_dir", lambda: tmp_path)
    broken, good = bundled_scenarios()
    assert (good.name, good.question, good.error) == ("good", "What does the base world do?", None)
    assert broken.name == "broken" and "line 1" in broken.error


def test_every_bundled_scenario_loads():
    found = bundled_scenarios()
    assert found, "no bundled scenarios found"
    assert {s.name: s.error for s in found if s.error} == {}
    assert all(s.question for s in found)


def test_json_schema_export(tmp_path):
    out = tmp_path / "schema.json"
    result = CliRunner().invoke(main, ["schema", "--out", str(out)])
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text())
    assert exported == json_schema()
    assert exported["title"] == "regsim scenario"
    assert {"scenario", "world", "developers", "states", "regulators"} <= set(
        exported["properties"]
    )
    assert "KillSwitchParams" in exported["$defs"]


# The CLI's happy paths -----------------------------------------------------------------------


def test_validate_prints_ok_for_each_valid_file(tmp_path):
    first, second = write(tmp_path, "a.toml", BASE), write(tmp_path, "b.toml", BASE)
    result = CliRunner().invoke(main, ["validate", str(first), str(second)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"ok: {first}", f"ok: {second}"]


@pytest.mark.parametrize("as_json", [False, True])
def test_show_prints_the_resolved_scenario_which_loads_back(tmp_path, as_json):
    child = extend(tmp_path, '[[developers]]\nname = "meta"\nsecurity_level = 4\n')
    args = ["show", str(child), "--set", "scenario.months=12"] + (["--json"] if as_json else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout) if as_json else tomllib.loads(result.stdout)
    shown = Scenario.model_validate(data)
    assert shown == load_scenario(child, ["scenario.months=12"])
    assert developer(shown, "meta").security_level == 4


def test_list_aligns_names_and_questions(tmp_path, monkeypatch):
    write(tmp_path, "a.toml", BASE)
    write(tmp_path, "longer_name.toml", BASE.replace("What does", "What else does"))
    monkeypatch.setattr(loader, "bundled_dir", lambda: tmp_path)
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "a            What does the base world do?",
        "longer_name  What else does the base world do?",
    ]


def test_help_and_version_do_not_import_mesa():
    code = (
        "import sys\n"
        "from sim.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('mesa' in sys.modules, 'pandas' in sys.modules, 'matplotlib' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.splitlines()[-1] == "False False False"
    version = subprocess.run(
        [sys.executable, "-m", "sim.cli", "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0 and "regsim, version" in version.stdout


# Hardening (issue 8) ---------------------------------------------------------------------------


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load_scenario(path).scenario.name == "base"


def test_a_problem_a_set_creates_names_set_not_the_file(tmp_path):
    path = write(tmp_path, "s.toml", BASE)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, ["world.thef.x=3"])
    (problem,) = caught.value.problems
    assert problem.file == "--set" and problem.message == "unknown key 'thef'"


def test_a_list_index_in_a_set_path_suggests_the_entry_by_name(tmp_path):
    path = write(tmp_path, "s.toml", BASE)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, ["developers[0].security_level=3"])
    (problem,) = caught.value.problems
    assert problem.file == "--set"
    assert problem.format() == (
        "--set: developers[0].security_level: developer entries are addressed by name, not by "
        "index; e.g. developers.meta.security_level")


def test_did_you_mean_prefers_the_key_that_starts_with_the_word():
    from sim.scenario.errors import nearest

    keys = ["hazard_per_month_at_parity", "hazard_multiplier_per_tier", "max_hazard_per_month"]
    assert nearest("hazard_per_month", keys) == "hazard_per_month_at_parity"
    assert nearest("multiplier", keys) == "hazard_multiplier_per_tier"
    assert nearest("securty_level", ["security_level", "label"]) == "security_level"


def test_names_repeated_by_overrides_are_refused_like_in_a_file(tmp_path):
    path = write(tmp_path, "s.toml", BASE)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, ["developers.meta.name=openai"])
    (problem,) = caught.value.problems
    assert problem.file == "--set" and "duplicate developer name 'openai'" in problem.format()


def test_a_resolved_dict_is_checked_by_the_rules_of_a_file(tmp_path):
    from sim.scenario.loader import resolve_raw, validate_resolved

    raw = resolve_raw(write(tmp_path, "s.toml", BASE))
    raw["developers"].append(dict(raw["developers"][0]))
    with pytest.raises(ScenarioError, match="duplicate developer name"):
        validate_resolved(raw, "design point")


def test_what_a_run_writes_as_its_scenario_loads_back(tmp_path):
    scenario = load_scenario(write(tmp_path, "s.toml", BASE), ["developers.meta.label=Llama"])
    written = write(tmp_path, "written.toml", scenario.to_toml())
    assert load_scenario(written) == scenario
