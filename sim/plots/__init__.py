"""The PNG figures every command writes into its results folder (matplotlib, Agg backend).

`runs` for `regsim run` (capability, lags, diffusion, kill switch, channels); `compare` for
`regsim compare` (paired differences, effects by channel); `sensitivity` and `discovery` for
sweeps, discovery and robustness; `search` for the policy search; `validity` for `regsim check`.
"""
