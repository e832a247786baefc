"""Jurisdiction codes are hierarchical: 'US-CA' lies within 'US'."""


def within(jurisdiction: str, container: str) -> bool:
    """True when `jurisdiction` equals `container` or lies inside it ('US-CA' is within 'US')."""
    return jurisdiction == container or jurisdiction.startswith(container + "-")


def within_any(jurisdiction: str, containers) -> bool:
    """True when `jurisdiction` lies within any of `containers`."""
    return any(within(jurisdiction, c) for c in containers)
