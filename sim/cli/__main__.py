"""`python -m sim.cli`: the same as the `regsim` command."""

from sim.cli import main

main()
