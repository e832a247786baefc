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
# # Which uncertainties decide the competitor's lag?
#
# How far behind the frontier the PRC stays (`state_mean_lag_months__prc`: its mean lag over
# the horizon, in months, by its best channel: own labs, open weights, theft or distillation)
# rests on rates nobody measures well. Four of them are swept here, over the ranges the
# bundled `sensitivity` scenario gives them:
#
# - the theft hazard of frontier weights (per month, when attacker and defender are at parity);
# - the PRC's distillation hazard (per month);
# - the share of a leader's lead that leaks to fast followers;
# - the growth of algorithmic efficiency (orders of magnitude per year; Ho et al.: 1.8-5.3x).
#
# The design is Morris's elementary effects: each trajectory moves one parameter at a time,
# so `mu_star` (the mean absolute effect of moving a parameter across its range, in months
# of lag) ranks them, and `sigma` says how much that effect depends on the others.
#
# **Small on purpose**, to run in the test suite in seconds: 4 Morris trajectories (20
# design points), 2 replicates each, a 48-month horizon and 2,000 adopters. Rankings from
# so few trajectories are rough; for a real one use 20 or more trajectories
# (`samples=20`), 5 or more replicates and the full 120 months.

# %%
# %matplotlib inline
import sim

SMALL = {"scenario.months": 48, "world.ecosystem.adopters": 2000}
UNCERTAINTIES = {
    "world.theft.hazard_per_month_at_parity": (0.0001, 0.002, "log"),
    "states.prc.distillation_hazard_per_month": (0.05, 0.6),
    "world.follower.leakage_share": (0.3, 0.95),
    "world.algo_efficiency_growth_oom_per_year": (0.26, 0.72),
}
swept = sim.sweep("baseline", params=UNCERTAINTIES, sampler="morris", samples=4,
                  replicates=2, seed=7, set=SMALL, workers=1)
swept

# %% [markdown]
# Every run is in `swept.runs`, every design point's mean over its replicates in
# `swept.points`, and the sensitivity indices, tidy, in `swept.sensitivity`:

# %%
LAG = "state_mean_lag_months__prc"
indices = swept.sensitivity
morris = indices[(indices["outcome"] == LAG) & (indices["method"] == "morris")]
ranking = morris.pivot(index="parameter", columns="index", values="value")
ranking.sort_values("mu_star", ascending=False)

# %% [markdown]
# The tornado shows the same question another way: the mean lag at each parameter's low and
# high end, over the design.

# %%
swept.plot(LAG, kind="tornado")

# %% [markdown]
# The PRC's lag by its own labs alone (`state_mean_domestic_lag_months__prc`) leaves out
# what it takes from others; comparing the two rankings says which uncertainties act
# through theft and distillation rather than through the PRC's own compute:

# %%
domestic = indices[(indices["outcome"] == "state_mean_domestic_lag_months__prc")
                   & (indices["method"] == "morris") & (indices["index"] == "mu_star")]
both = ranking[["mu_star"]].join(domestic.set_index("parameter")["value"].rename(
    "mu_star_own_labs"))
both.sort_values("mu_star", ascending=False).round(2)

# %% [markdown]
# `swept.save("results/lag-uncertainties")` keeps the sweep as the folder `regsim sweep`
# writes; `sim.open` reads it back.
