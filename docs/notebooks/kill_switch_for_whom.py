# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # What does California's kill switch change, and for whom?
#
# The bundled `kill_switch` scenario is the baseline plus an SB 1047-style full-shutdown
# mandate in California from 2025-01: covered models (>= 1e26 FLOP and >= USD 100M of
# training compute) sold in California must be able to be shut down, open weights included.
# We compare it with the `baseline` on **paired replicates**: replicate *r* of both scenarios
# runs with the same seed, so each pair differs only by the policy.
#
# **This notebook is small on purpose**, so that it runs in seconds in the test suite:
# 6 paired replicates, a 48-month horizon (2024-2027) instead of the scenarios' 120 months,
# and 2,000 downstream adopters. With 6 pairs the intervals are wide, and four years leave
# little time for the mandate to bite. For an answer to quote, drop `set=` and use 20 or more
# replicates (and `workers=` to use every core).

# %%
# %matplotlib inline
import sim

SMALL = {"scenario.months": 48, "world.ecosystem.adopters": 2000}
comparison = sim.compare("baseline", "kill_switch", replicates=6, seed=2024, set=SMALL,
                         workers=1, plots=False)
comparison

# %% [markdown]
# `comparison.comparison` has one row per outcome: the mean of the paired differences
# (policy minus baseline, in the outcome's `unit`), its 95% confidence interval, and the
# share of pairs in which the policy did better from the regulator's side. Here are the
# outcomes whose interval excludes zero:

# %%
table = comparison.comparison
clear = table[(table["ci95_low"] > 0) | (table["ci95_high"] < 0)]
clear[["label", "unit", "baseline_mean", "policy_mean", "difference_mean", "ci95_low",
       "ci95_high", "share_better"]]

# %% [markdown]
# ## For whom?
#
# The same rows, grouped by who bears each outcome: the labs (money, markets, moves
# abroad), the competitor state (how far behind the frontier it stays), and the adopters
# and the public (how much of what they hold can be switched off, incidents, thefts).
# Each verdict is one plain-language line.

# %%
WHO = {
    "labs": ["cash_compliance_musd", "penalties_musd", "private_value_forgone_musd",
             "share_comply", "share_withhold", "share_defy", "relocations", "markets_left"],
    "the competitor state": ["state_mean_lag_months__prc", "state_mean_domestic_lag_months__prc",
                             "state_months_to_1e27__prc",
                             "state_mean_open_weights_gain_months__prc"],
    "adopters and the public": ["mean_kill_switch_coverage", "final_covered_open_copies",
                                "mean_covered_open_copies", "incidents", "thefts"],
}
verdicts = comparison.verdicts.set_index("outcome")
for who, keys in WHO.items():
    print(f"\n{who}:")
    for key in keys:
        if key in verdicts.index:
            print(f"  - {verdicts.loc[key, 'verdict']}")

# %% [markdown]
# Where did the change in the PRC's lag come from? Each pair's difference is split exactly
# among the PRC's channels (its own labs, military fine-tunes of open weights, distillation,
# theft) and the frontier's own move (Shapley values; they sum to the total):

# %%
channels = comparison.channels
channels[channels["outcome"] == "mean_lag_months"][["component", "label", "mean", "ci95_low",
                                                    "ci95_high"]]

# %% [markdown]
# Each pair's difference, their mean and its 95% interval, for the outcomes that moved:

# %%
figure = comparison.plot(["mean_kill_switch_coverage", "cash_compliance_musd",
                          "state_mean_lag_months__prc", "private_value_forgone_musd"])
figure

# %% [markdown]
# ## What happened
#
# The event log of every run says what the labs did: how often each kind of event happened
# per replicate, in each scenario.

# %%
events = comparison.events
replicates = comparison.runs["replicate"].nunique()
per_replicate = events.groupby(["kind", "scenario"]).size().unstack("scenario").fillna(0)
(per_replicate / replicates).round(1)

# %% [markdown]
# The decisions to comply, withhold a model from California or defy the mandate are
# `decision` events; their `details` (a JSON object) say which policies covered the model.
# To keep this comparison as a folder that `regsim report` turns into a policy brief:
#
# ```python
# comparison.save("results/kill-switch-for-whom")
# ```
