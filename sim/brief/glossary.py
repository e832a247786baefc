"""The brief's glossary: the terms and units a reader meets, each explained in one or two
sentences. One data table; `{small_effect_percent}` is filled in from the grading rule."""

from __future__ import annotations

from sim.brief.verdict_grades import SMALL_EFFECT_SHARE

GLOSSARY: tuple[tuple[str, str], ...] = (
    ("baseline", "The scenario every policy is compared with: the policies in force today, "
     "nothing added."),
    ("replicate", "One simulated history of a scenario, with its own random seed. Replicates "
     "differ in chance events: release dates, thefts, compliance choices."),
    ("paired difference", "Policy minus baseline in the same replicate. Both runs use the "
     "same seed (common random numbers), so the difference is due to the policy, not to luck."),
    ("95% CI", "The 95% confidence interval of a mean over replicates (a t-interval). It "
     "shows how precisely the replicates pin the mean down, given the model and its "
     "parameter values; it does not cover doubt about those values unless the run varied them."),
    ("5-95% band", "The range between the 5th and 95th percentile over replicates (or over "
     "pairs, for differences) each month: where nine in ten histories fall."),
    ("median", "The middle value over replicates each month."),
    ("clear effect", "The 95% CI of the mean paired difference excludes zero, and the effect "
     "is at least {small_effect_percent}% of the baseline's value (for capability: at least "
     "{small_effect_percent}% more or less effective compute)."),
    ("small effect", "The 95% CI excludes zero, but the effect is below "
     "{small_effect_percent}% of the baseline's value: real in the model, small for a "
     "decision."),
    ("no clear effect", "The 95% CI of the mean paired difference includes zero: the runs "
     "cannot tell the policy's effect from none."),
    ("better / worse", "Judged by a regulator seeking security at the least cost: the "
     "competitor state further behind and later to each milestone, more kill-switch coverage, "
     "fewer thefts, incidents, copies of covered open weights beyond any switch, "
     "relocations, markets left, defiance, fines and costs. The open-weight lag and frontier "
     "capability have no direction: they trade one good against another."),
    ("assumption", "A parameter value with no published source (marked 'assumption' in the "
     "scenario reference, docs/scenarios.md). Findings that rest on assumptions hold only as "
     "far as the assumptions do."),
    ("deep uncertainty", "A parameter nobody can pin down with data. Replicates do not explore "
     "it; a sweep (`regsim sweep`) or parameter uncertainty in the run does."),
    ("effective compute, × GPT-4", "Capability: training compute plus algorithmic efficiency "
     "and the lab's edge, as a multiple of GPT-4's training compute (the yardstick people "
     "know), so '48×' is 48 times GPT-4's. The tables give it as log10 effective FLOP: GPT-4 is "
     "25.3, and each unit more is ten times the compute."),
    ("lag (months)", "How many months ago the frontier first reached an actor's current "
     "capability."),
    ("open-weight lag", "The lag of the best open-weight model behind the frontier."),
    ("competitor state", "A state actor that gets capability through its own labs, open "
     "weights, theft or distillation; its capability is the best model it holds."),
    ("kill-switch coverage (share)", "Of the adopters holding a covered model (above the "
     "measurement line, about 5× GPT-4's training compute by default), the share a shutdown "
     "can still reach: those whose only covered model is a shutdown-capable API model. "
     "Published weights are beyond any switch."),
    ("copies beyond any switch (count)", "The share of adopters that have ever held covered "
     "open weights, scaled to the derivative models a leading open family accumulates (about "
     "50,000): copies no shutdown can reach. Published weights are permanent, so it never "
     "falls."),
    ("effect by channel", "How much of a policy's effect on a state's lag or capability came "
     "from its own labs, military fine-tunes of foreign open weights, distillation or theft, "
     "and how much from the frontier moving: each channel's exact Shapley share of the paired "
     "difference; the shares sum to the effect."),
    ("formulation", "One of several sourced, separately calibrated ways the model can "
     "represent a decisive mechanism (how a competitor's labs catch up; its chip supply). A "
     "comparison per formulation reruns the same pairs under each."),
    ("robust / depends on the formulation", "Robust: the effect is clear and in the same "
     "direction under every formulation. Depends: clear under some and absent or reversed "
     "(flips) under others. About the direction only: the size may still differ."),
    ("withhold", "A lab keeps one closed model out of one market and goes on selling its "
     "other models there (as Google did with Bard in the EU in 2023). Open weights released "
     "anywhere stay obtainable everywhere, so an open model kept off a market is a "
     "non-release there, not counted as withholding."),
    ("cash, fines, private value (USD M)", "Three separate costs: money labs spend complying "
     "(and moving), fines they pay, and value they give up (openness, capability shaded away, "
     "sales withheld or lost, delay). The last is the labs' own valuation, not money spent."),
    ("parameter uncertainty", "With --uncertainty each replicate draws the uncertain "
     "parameters from their documented ranges, the same draws for every scenario of a "
     "comparison; intervals then cover what we do not know about those values, not only "
     "chance."),
    ("absorption", "A state fields a military fine-tune of open weights."),
    ("distillation", "A state trains a model on a closed model's outputs through its API."),
    ("incident", "A state's military derivative of a model is publicised; it raises "
     "regulators' political pressure."),
    ("share", "A fraction between 0 and 1."),
    ("count", "A number of events or copies, per replicate (over the whole run unless said)."),
    ("USD M", "Millions of US dollars."),
    ("months", "Calendar months; one simulated step is one month."),
)


def glossary_entries() -> list[tuple[str, str]]:
    """The glossary with the grading threshold filled in, in reading order."""
    percent = f"{SMALL_EFFECT_SHARE * 100:.0f}"
    return [(term, text.format(small_effect_percent=percent)) for term, text in GLOSSARY]
