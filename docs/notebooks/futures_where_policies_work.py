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
# # In which futures does each policy work?
#
# The bundled `sensitivity` scenario has a `[sweep]` design: four uncertain rates (theft,
# distillation, leakage to fast followers, algorithmic progress) sampled by Latin hypercube,
# crossed with a lever, the strength of US chip export controls (0.5, 0.75 or 0.9). Every
# control level faces the same sampled futures, so we can ask, future by future, how each
# level does against the best one there (**regret**), how often each keeps the PRC at least
# some months behind (**satisficing**), and, with PRIM, **in which region** of the futures
# the PRC stays far behind (**scenario discovery**).
#
# **Small on purpose**, to run in the test suite in seconds: 8 sampled futures x 3 control
# levels, 2 replicates each, a 48-month horizon and 2,000 adopters. Boxes found in 24
# points are indicative only; for findings use the design's own 40 futures, 5 replicates
# and 120 months (`sim.sweep("sensitivity")`).

# %%
# %matplotlib inline
import sim

SMALL = {"scenario.months": 48, "world.ecosystem.adopters": 2000}
swept = sim.sweep("sensitivity", samples=8, replicates=2, seed=11, set=SMALL, workers=1)
LAG = "state_mean_lag_months__prc"
CONTROLS = "regulators.us_federal.policies.chip_export_controls.strength"
swept.points.groupby(CONTROLS)[LAG].describe()[["mean", "min", "max"]].round(2)

# %% [markdown]
# ## Regret and satisficing
#
# For each control level, over the futures: its mean lag, and its regret in each future,
# the months of lag it gives up against the best level in that future (0 where it is the
# best). The criterion asks for the PRC to stay at least `GOAL` months behind, here the
# median lag over the whole design rounded to a month, so that some futures meet it and
# some do not.

# %%
GOAL = round(float(swept.points[LAG].median()))
judged = swept.robustness([LAG], satisfice=[f"{LAG}>={GOAL}"])
judged.table[["lever_setting", "mean", "max_regret", "p90_regret", "mean_regret"]].round(2)

# %%
judged.satisficing.round(2)

# %%
judged.plot("regret_heatmap")

# %% [markdown]
# ## Where the PRC stays far behind
#
# PRIM peels the design down to a box of futures (and control levels) in which the lag is
# above `GOAL` for most cases. *Coverage* is the share of all such cases inside the box,
# *density* the share of the box's cases that are such cases; the trajectory trades one
# for the other. The box's restricted dimensions, with their ranges, say which assumptions
# the finding rests on.

# %%
found = swept.discover(LAG, above=GOAL)
print(f"coverage {found.coverage:.2f}, density {found.density:.2f}")
found.box[["parameter", "low", "high", "levels", "qp_value"]]

# %%
found.plot("tradeoff")

# %% [markdown]
# Feature scores rank every design parameter by how well it tells the cases apart (and
# predicts the lag), whether or not PRIM restricted it:

# %%
found.feature_scores

# %% [markdown]
# `found.save()` and `judged.save()` write the folders `regsim discover` and `regsim
# robustness` write, inside the sweep's folder (after `swept.save(...)`, or pass a folder).
