"""Notes beside the levers that cannot change anything in the settings on screen, in plain words.

`sim.scenario.inert.inert_levers` (what `regsim validate` and `compare` warn about) names each
lever of a scenario that no lab, release or state in it can feel, with the reason in the CLI's
words (`--set` keys, exponents, formulation names). `notes(scenario)` turns each into a sentence
a room reads ("The cost test ($100M) already covers only runs of at least about 6.4x GPT-4's
training compute ...") and places it on the panel:

- a reason about one parameter goes beside that lever (`threshold_flop`); the fines' reason
  goes beside every lever that only raises the expected fine (the fines and the chances of being
  caught), since raising any of them changes nothing;
- a reason about the whole instrument (it reaches nobody, comes into force after the horizon, a
  serving ban or chip controls on markets where nobody is) goes beside its on/off switch.

The page reads the scenario of the settings on screen (`notes_for`), so a note appears or goes
as soon as another lever makes it true or false (lowering the cost test makes the compute line
count again). The notes reach the lever panel through `NOTES` (a Solara context the page
provides), so the page passes them without threading them through every component between.

Nothing here runs the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import solara

from sim.presentation import wording

NOTES: Any = solara.create_context({})
"""Lever path -> note, provided by the page for the settings on screen (empty: no notes)."""

SWITCH = "enabled"
"""A note about a whole instrument sits beside its on/off switch (`<policy>.enabled`)."""
FINE_LEVERS = ("penalty_musd", "penalty_share_of_training_cost", "penalty_share_of_revenue",
               "enforcement_probability", "enforcement_probability_foreign")
"""Levers that only raise the expected fine: inert together when the fines already deter."""

GENERIC = "Cannot change anything in these settings."
"""A reason this module does not know how to word (a newer `inert_levers`): said without why."""


def notes(scenario: Any) -> dict[str, str]:
    """Lever path -> plain note for every lever that cannot change anything in `scenario` (a
    validated Scenario): per parameter, or beside the instrument's switch for the whole of it."""
    from sim.scenario.inert import inert_levers

    found: dict[str, str] = {}
    for lever in inert_levers(scenario):
        prefix, field = _split(lever.key)
        policy = _policy(scenario, prefix)
        if policy is None:
            continue
        text = plain_reason(field, lever.reason, policy, scenario)
        for path in _paths(prefix, field):
            found[path] = f"{found[path]} {text}" if path in found else text
    return found


def notes_for(request: Any) -> dict[str, str]:
    """The notes for the settings a dashboard request computes (its scenario, or the reference
    when no lever moved); none for settings that cannot be computed."""
    if request is None or getattr(request, "error", ""):
        return {}
    scenario = request.policy if request.policy is not None else request.baseline
    return notes(scenario) if scenario is not None else {}


def _split(key: str) -> tuple[str, str]:
    """(`regulators.R.policies.P`, field or '') of an inert lever's key."""
    head, _, rest = key.partition(".policies.")
    name, _, field = rest.partition(".")
    return f"{head}.policies.{name}", field


def _policy(scenario: Any, prefix: str) -> Any:
    regulator_name = prefix.split(".")[1]
    name = prefix.split(".policies.", 1)[1]
    for regulator in scenario.regulators:
        if regulator.name != regulator_name:
            continue
        for policy in regulator.policies:
            if (policy.name or policy.kind) == name:
                return policy
    return None


def _paths(prefix: str, field: str) -> list[str]:
    """The panel's lever paths a note goes beside."""
    if field == "penalty_musd":
        return [f"{prefix}.{name}" for name in FINE_LEVERS]
    if field in ("", "target_jurisdictions"):
        return [f"{prefix}.{SWITCH}"]
    return [f"{prefix}.{field}"]


# The reasons in words -----------------------------------------------------------------------------

_LOG_FLOP = re.compile(r"1e(\d+(?:\.\d+)?) FLOP")
_MONEY = re.compile(r"USD ([\d,]+(?:\.\d+)?)M")
_AFTER = re.compile(r"comes into force \((\d{4}-\d{2})\)")
_LAPSES = re.compile(r"lapses \((\d{4}-\d{2})\)")
_NOBODY_THERE = re.compile(r"no lab is (based in or selling to|based in) ([A-Za-z0-9_-]+)")


def plain_reason(field: str, reason: str, policy: Any, scenario: Any) -> str:
    """The reason `sim.scenario.inert` gives for one inert lever (`field` of `policy`; '' for
    the instrument as a whole), in words a room reads: no `--set` keys, exponents or
    formulation names."""
    for test, words in _RULES:
        if test(field, reason):
            return words(reason, policy, scenario)
    return GENERIC


def _cost_line(reason: str, policy: Any, scenario: Any) -> str:
    found = _LOG_FLOP.search(reason)
    usd = wording.usd(float(policy.threshold_usd))
    if found is None:
        return (f"The cost test (runs costing at least {usd}) already decides what is "
                "covered, so this compute line changes nothing.")
    line = wording.multiple(float(found.group(1)))
    return (f"The cost test (runs costing at least {usd}) already covers only runs of at "
            f"least about {line} GPT-4's training compute, so any compute line up to that "
            "gives the same results. Lower the cost test to make this line count.")


def _timing(reason: str, policy: Any, scenario: Any) -> str:
    after = _AFTER.search(reason)
    if after:
        return (f"It comes into force in {wording.month(after.group(1))}, after the last "
                "month shown, so it changes nothing here.")
    lapsed = _LAPSES.search(reason)
    when = f" ({wording.month(lapsed.group(1))})" if lapsed else ""
    return f"It lapses{when} before the first month shown, so it changes nothing here."


def _reaches_nobody(reason: str, policy: Any, scenario: Any) -> str:
    found = _NOBODY_THERE.search(reason)
    place = _place(found.group(2)) if found else "its jurisdiction"
    how = "based in or selling to" if found and "selling" in found.group(1) else "based in"
    return f"No lab is {how} {place}, so these rules reach nobody."


def _nobody_applies(reason: str, policy: Any, scenario: Any) -> str:
    return ("No lab these rules reach publishes its weights, so nobody ever applies for this "
            "licence.")


def _serving_ban(reason: str, policy: Any, scenario: Any) -> str:
    places = _places(policy.target_jurisdictions)
    rest = (" Its weight security requirement still applies." if policy.required_security_level
            else " The instrument does nothing at all here.")
    return (f"No lab it reaches serves {places}, and under this model's assumption about "
            "proxies a serving ban cuts only direct access, which nobody there has: the ban "
            f"changes nothing.{rest}")


def _chip_controls(reason: str, policy: Any, scenario: Any) -> str:
    return (f"No lab is based in {_places(policy.target_jurisdictions)}, so the chip controls "
            "deny compute to nobody.")


def _no_state(reason: str, policy: Any, scenario: Any) -> str:
    return ("These settings have no competitor state, so customer checks cut nobody's "
            "copying of models through their APIs.")


def _no_state_there(reason: str, policy: Any, scenario: Any) -> str:
    return (f"No competitor state is in {_places(policy.target_jurisdictions)}, so the checks "
            "screen out nobody.")


def _fines_deter(reason: str, policy: Any, scenario: Any) -> str:
    amounts = [float(m.replace(",", "")) for m in _MONEY.findall(reason)]
    if len(amounts) >= 2:
        expected, stake = wording.musd(amounts[0]), wording.musd(amounts[1])
        figures = (f" (at least {expected} expected, against at most {stake} an open lab "
                   "gives up by keeping a release closed)")
    else:
        figures = ""
    return ("Defying already costs labs far more in expected fines than publishing is worth "
            f"to them{figures}, so no lab defies: raising the fines or the chance of being "
            "caught changes nothing (lowering them might).")


_RULES: tuple[tuple[Callable[[str, str], bool], Callable[[str, Any, Any], str]], ...] = (
    (lambda field, reason: field == "threshold_flop", _cost_line),
    (lambda field, reason: field == "penalty_musd", _fines_deter),
    (lambda field, reason: field == "" and ("comes into force" in reason
                                            or "lapses" in reason), _timing),
    (lambda field, reason: field == "" and "reaches nobody" in reason, _reaches_nobody),
    (lambda field, reason: field == "" and "applies for" in reason, _nobody_applies),
    (lambda field, reason: field == "" and "no state actor" in reason, _no_state),
    (lambda field, reason: field == "target_jurisdictions" and "serving ban" in reason,
     _serving_ban),
    (lambda field, reason: field == "target_jurisdictions" and "chip controls" in reason,
     _chip_controls),
    (lambda field, reason: field == "target_jurisdictions" and "KYC" in reason,
     _no_state_there),
)
"""(does this rule word the reason?, its words), first match wins."""


def _place(code: str) -> str:
    return wording.JURISDICTION_WORDS.get(code, code)


def _places(codes: Any) -> str:
    names = [_place(str(code)) for code in (codes or [])]
    if not names:
        return "its targets"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
