"""Experiments: seeds, the replicate runner, statistics, results folders."""
