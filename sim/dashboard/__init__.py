"""The workshop dashboard (`regsim app`): the page, its levers, charts, game and templates.

`app` is the Solara page; `serve` starts its server; `compute` runs the draws behind a setting;
`levers`, `headlines`, `live_charts`, `narrative` (shared with the brief, in
`sim.presentation`) and `playback` say what the page shows; `game`, `roles` and `workshop` run
the workshop game; the `.vue` files are the page's widget templates.
"""
