"""Jurisdiction codes are hierarchical: 'US-CA' lies within 'US'."""

from functools import lru_cache


@lru_cache(maxsize=4096)  # a scenario names a few dozen codes; agents ask about them constantly
def within(jurisdiction: str, container: str) -> bool:
    """True when `jurisdiction` equals `container` or lies inside it ('US-CA' is within 'US')."""
    return jurisdiction == container or jurisdiction.startswith(container + "-")


def within_any(jurisdiction: str, containers) -> bool:
    """True when `jurisdiction` lies within any of `containers`."""
    return any(within(jurisdiction, c) for c in containers)
