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
# # Which packages of instruments keep the PRC furthest behind for what they cost the labs?
#
# The bundled `policy_search` scenario names four levers in its `[sweep]` table: whether
# California's kill switch is in force, its compute threshold (1e25 to 1e27 FLOP), its start
# (2025, 2026 or 2027) and the strength of US chip export controls (0.5 to 0.95). Rather
# than try a few packages by hand, `sim.search` lets pymoo's NSGA-II search the lever space
# for the **trade-off (Pareto) set** between two objectives: the PRC's mean lag behind the
# frontier (months, higher is better) and the cash the labs spend complying (USD M, lower
# is better). Every candidate package runs in the **same futures** (the same seeds and the
# same draws of the scenario's `[uncertainty]` parameters), and each objective is scored by
# a robustness measure over them: here the mean; `percentile:90`, `regret` and `satisfice`
# are the others.
#
# **Small on purpose**, to run in the test suite in seconds: 6 candidates x 3 generations,
# 2 futures (and 2 fresh ones), a 24-month horizon and 2,000 adopters. A front from 18
# candidates in 2 futures is an illustration, not a finding; for findings use the defaults
# (20 x 10 generations, 8 futures) or more, and the full horizon.

# %%
# %matplotlib inline
import sim

SMALL = {"scenario.months": 24, "world.ecosystem.adopters": 2000}
LAG, CASH = "state_mean_lag_months__prc", "cash_compliance_musd"
NO_KILL_SWITCH = {"regulators.california.policies.kill_switch.enabled": False}
found = sim.search("policy_search", [f"{LAG}:higher", f"{CASH}:lower"], measure="mean",
                   population=6, generations=3, futures=2, fresh_futures=2, seed=3,
                   references={"no kill switch": NO_KILL_SWITCH}, set=SMALL, workers=1)
found

# %% [markdown]
# ## The trade-off set
#
# Each row is a candidate package in the Pareto set: no other candidate evaluated keeps the
# PRC further behind without costing the labs more. The scores are means over the search
# futures, in the outcomes' units. Two reference policies are evaluated in the same futures
# and marked on the plots: the scenario as written (the kill switch from 2025 at 1e26 FLOP,
# chip controls at 0.75) and the same without the kill switch.

# %%
columns = ["candidate", "reference", "label", f"score__{LAG}", f"score__{CASH}", "pareto"]
shown = found.candidates[found.candidates["pareto"] | found.candidates["reference"].notna()]
shown[columns].round(2)

# %%
found.plot("tradeoff")

# %%
found.plot("parallel")

# %% [markdown]
# ## Did the search converge?
#
# The hypervolume of the non-dominated scores (pymoo's indicator) per generation: it grows
# while the search finds better trade-offs and levels off as it converges. Three
# generations are far too few to level off.

# %%
found.convergence

# %% [markdown]
# ## Does the set hold in fresh futures?
#
# The Pareto set is run again in futures drawn with a new seed. A package that was good only
# by the luck of the search futures would lose its place: `non_dominated_fresh` says whether
# each is still non-dominated among the set there.

# %%
found.held.round(2)
