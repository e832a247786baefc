"""Jurisdiction codes are hierarchical: 'US-CA' lies within 'US'."""

from functools import lru_cache


@lru_cache(maxsize=4096)  # a scenario names a few dozen codes; agents ask about them constantly
def within(jurisdiction: str, container: str) -> bool:
    """True when `jurisdiction` equals `container` or lies inside it ('US-CA' is within 'US')."""
    return jurisdiction == container or jurisdiction.startswith(container + "-")


def within_any(jurisdiction: str, containers) -> bool:
    """True when `jurisdiction` lies within any of `containers`."""
    for container in containers:  # noqa: SIM110 (a loop, not any(): thousands of calls)
        if within(jurisdiction, container):
            return True
    return False
