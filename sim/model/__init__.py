"""The Mesa model: `world.RegSimModel` builds the world and steps it one month at a time.

One concept per module: `developers`, `states`, `regulators` (the Mesa agents), `ecosystem` (the
vectorised downstream population), `registry` (released models), `compliance` (the logit choice),
`policies/` (one instrument per file), `lags` (frontier history), `outputs` (what is recorded),
`events` (the narrative log), `random_streams` (named random-number streams).
"""
