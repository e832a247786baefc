"""The game's roles: who a team plays and which levers that team controls.

Roles are derived from the loaded scenario: every regulator holding an instrument is a role
(California, the US federal government, the EU, ...); the largest closed lab is "a frontier
lab" and the largest open-weight lab "an open-weight lab" (largest by its next training run;
labs based in a competitor state are left to that state); each competitor state is a role,
together with the regulators at home (China's rules belong to the PRC's team). A role controls
the levers its agents own (`Lever.owner`); the world's assumptions stay with the facilitator.
`ROLE_WORDS` gives the known roles their titles and one-line briefs, `ROLE_SHEETS` their goals
and private information (the game's role sheets: `sim.dashboard.role_sheets`). These are
workshop material written for the bundled scenarios, not model parameters: a role without an
entry gets the generic sheet of its kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sim.dashboard.levers import Lever
from sim.model.jurisdiction import within_any
from sim.scenario.schema import Scenario

ROLE_WORDS: dict[str, tuple[str, str]] = {
    "regulator:california": ("California", "Sets California's rules for labs selling there."),
    "regulator:us_federal": ("The US federal government",
                             "Export controls on chips and weights; federal licences."),
    "regulator:eu": ("The EU", "The AI Act's duties for models offered in the EU."),
    "frontier_lab": ("A frontier lab", "Guards its weights and chooses how it releases."),
    "open_lab": ("An open-weight lab", "Publishes its weights, or stops."),
    "competitor": ("The competitor state", "How hard it tries to steal and distil; its rules."),
}
"""Role key -> (title, one-line brief). Regulators not listed use their label."""


@dataclass(frozen=True)
class SheetWords:
    """What a role's sheet says beyond its levers: its goals and what only this team knows."""

    goals: tuple[str, ...]
    private: tuple[str, ...]


ROLE_SHEETS: dict[str, SheetWords] = {
    "regulator:california": SheetWords(
        goals=("Keep the labs that sell in California accountable for severe harm.",
               "Do not drive the frontier labs out of the state's market.",
               "Be seen to act before the federal government does."),
        private=("Your staff expect the labs to lobby hard against a kill-switch duty; a fine "
                 "that is small next to a lab's revenue will be treated as a cost of business.",
                 "You may share or keep back what you plan: nothing obliges you to announce "
                 "your moves before the round is played.")),
    "regulator:us_federal": SheetWords(
        goals=("Keep the US ahead of the competitor state in frontier capability.",
               "Keep model weights and advanced chips out of the competitor's hands.",
               "Avoid rules that push development offshore."),
        private=("Your intelligence services rate the competitor's theft and distillation "
                 "efforts as persistent: controls slow it but do not stop it.",
                 "Licensing open weights is popular with security agencies and unpopular "
                 "with the open-source community and many universities.")),
    "regulator:eu": SheetWords(
        goals=("Make the AI Act's duties bite on every model offered in the EU.",
               "Keep the EU market attractive enough that labs still offer their models."),
        private=("Some labs have hinted they would delay EU releases if the duties are costly; "
                 "you do not know whether they mean it.",)),
    "frontier_lab": SheetWords(
        goals=("Stay at the frontier: train the largest models first.",
               "Keep the cost of rules, fines and security below what they protect.",
               "Never have your weights stolen."),
        private=("Your security team says raising your security level costs money and time "
                 "each year, and that a determined state actor is the threat that matters.",
                 "You know your next training run's size before any regulator does.")),
    "open_lab": SheetWords(
        goals=("Keep publishing open weights: your users and reputation depend on them.",
               "Stay within reach of the closed frontier labs."),
        private=("A licence on open weights would force you to choose between the licence's "
                 "cost and stopping publication.",
                 "You know the competitor state's labs distil and fine-tune your models.")),
    "competitor": SheetWords(
        goals=("Close the gap with the US frontier labs as fast as possible.",
               "Keep your own labs under your control."),
        private=("Theft of weights and distillation of APIs are your fastest routes to the "
                 "frontier; both become harder as the US and the labs tighten security.",
                 "Your own rules for your labs are yours to set; nobody else sees them.")),
}
"""Role key (or kind: 'regulator', 'competitor') -> goals and private information."""

GENERIC_SHEETS: dict[str, SheetWords] = {
    "regulator": SheetWords(
        goals=("Protect the people in your jurisdiction from severe harm from AI.",
               "Keep the labs that serve your jurisdiction within your reach."),
        private=("You know your own rules' costs to the labs better than they admit.",)),
}
"""A role's sheet when `ROLE_SHEETS` has none: by the role's kind (the key before ':')."""


def sheet_words(key: str) -> SheetWords:
    """The goals and private information of the role `key` (its kind's when not listed)."""
    kind = key.split(":", 1)[0]
    return ROLE_SHEETS.get(key) or ROLE_SHEETS.get(kind) or GENERIC_SHEETS.get(
        kind, SheetWords((), ()))


@dataclass(frozen=True)
class Role:
    """A role of one scenario: its key, title, brief and the agents whose levers it holds."""

    key: str
    title: str
    brief: str
    owners: tuple[tuple[str, str], ...]

    @property
    def goals(self) -> tuple[str, ...]:
        return sheet_words(self.key).goals

    @property
    def private(self) -> tuple[str, ...]:
        """What only this team is told (its role sheet's private information)."""
        return sheet_words(self.key).private

    def levers(self, levers: Iterable[Lever]) -> list[Lever]:
        return [lever for lever in levers if lever.owner in self.owners]


ROLE_STRATEGIES = {"frontier_lab": ("closed",), "open_lab": ("open", "hybrid")}
"""Which release strategies qualify a lab for each lab role (a hybrid lab publishes weights)."""


def role_labs(scenario: Scenario) -> dict[str, str]:
    """{'frontier_lab': name, 'open_lab': name}: the largest closed lab and the largest lab
    publishing open weights, outside every competitor state (missing when there is none)."""
    home = [j for state in scenario.states for j in state.jurisdictions]
    labs = [d for d in scenario.developers if not (home and within_any(d.jurisdiction, home))]
    picks = {}
    for role, strategies in ROLE_STRATEGIES.items():
        candidates = [d for d in labs if d.release_strategy in strategies]
        if candidates:  # the largest next run; an open strategy before a hybrid one on ties
            best = max(candidates, key=lambda d: (d.initial_run_flop,
                                                  -strategies.index(d.release_strategy)))
            picks[role] = best.name
    return picks


def roles_for(scenario: Scenario, levers: Sequence[Lever]) -> list[Role]:
    """The scenario's roles that hold at least one lever, in a stable order."""
    home_of = {state.name: state.jurisdictions for state in scenario.states}
    roles: list[Role] = []
    for regulator in scenario.regulators:
        if not regulator.policies:
            continue
        if any(within_any(regulator.jurisdiction, places) for places in home_of.values()):
            continue  # joins its state's role below
        key = f"regulator:{regulator.name}"
        title, brief = ROLE_WORDS.get(key, (regulator.label or regulator.name,
                                            "Sets its jurisdiction's rules."))
        roles.append(Role(key, title, brief, (("regulator", regulator.name),)))
    labs = {d.name: d for d in scenario.developers}
    for key, name in role_labs(scenario).items():
        title, brief = ROLE_WORDS[key]
        label = labs[name].label or name
        roles.append(Role(key, f"{title} ({label})", brief, (("developer", name),)))
    for state in scenario.states:
        title, brief = ROLE_WORDS["competitor"]
        owners = [("state", state.name)]
        owners += [("regulator", r.name) for r in scenario.regulators
                   if r.policies and within_any(r.jurisdiction, state.jurisdictions)]
        label = state.label or state.name
        key = "competitor" if len(scenario.states) == 1 else f"competitor:{state.name}"
        roles.append(Role(key, f"{title} ({label})", brief, tuple(owners)))
    return [role for role in roles if role.levers(levers)]
