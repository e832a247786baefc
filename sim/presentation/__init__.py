"""What every front end shares: the console tables of the commands and the words for outcomes.

`tables` (outcome labels and units, key outcomes), `outcome_definitions` (one definition per
outcome), `wording` and `narrative` (plain-language numbers and events), and the console
reports of each command (`compare_report`, `formulation_report`, `sweep_report`,
`discovery_report`, `search_report`). The brief (`sim.brief`), the figures (`sim.plots`) and the
dashboard (`sim.dashboard`) each have their own package and use these words.
"""
