"""Trust in the numbers: calibration targets, a historical replay and docking with closed forms.

- `sources`: the publications every target and real date comes from;
- `checks`: one row of the report (`Check`) and the statistics over replicates behind it;
- `calibration`: the baseline's calibration targets as data, and how each is measured;
- `replay`: the dated events of 2023-2025 the ChatBIT replay is compared with;
- `docking`: cases where the model must reproduce a closed-form model (Bass, geometric theft
  times, exponential compute growth);
- `report`: runs everything (`run_checks`), formats the tables and writes the results folder.

`regsim check` is the command; docs/model.md ("Validity") explains each check.
"""
