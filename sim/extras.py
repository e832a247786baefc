"""Optional dependencies: which extra of regsim installs each, and one message when one is
missing, the same from the command line and the Python API."""

from __future__ import annotations

import importlib.util
from pathlib import Path

EXTRAS: dict[str, dict[str, str]] = {
    "analysis": {"prim": "prim", "sklearn": "scikit-learn"},
    "cluster": {"distributed": "dask[distributed]"},
    "app": {"solara": "solara"},
    "bench": {"solara": "solara", "playwright": "playwright"},
}
"""Each extra (pyproject.toml's optional dependencies): the modules regsim imports from it, and
the package that provides each."""


class MissingExtraError(ModuleNotFoundError):
    """An optional dependency is not installed; the message names the extra that installs it
    and the command to run."""


def missing_modules(extra: str) -> list[str]:
    """The packages of `extra` (see EXTRAS) that cannot be imported here."""
    missing = []
    for module, package in EXTRAS[extra].items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(package)
    return missing


def install_command(extra: str) -> str:
    """How to install `extra`: from regsim's folder (regsim is not on the package index)."""
    return f"pip install -e '.[{extra}]'"


def missing_message(extra: str, needed_by: str, missing: list[str]) -> str:
    """One line: what needs which packages, and the command that installs them."""
    checkout = Path(__file__).resolve().parent.parent
    where = f"in {checkout}" if (checkout / "pyproject.toml").is_file() else \
        "in regsim's folder"
    return (f"{needed_by} needs {' and '.join(missing)}, from regsim's {extra} extra: "
            f"{install_command(extra)} ({where})")


def require_extra(extra: str, needed_by: str, also: str = "") -> None:
    """Raise MissingExtraError if any package of `extra` is missing; `needed_by` names what
    needs it ("regsim discover", "sim.discover"), `also` adds to the advice."""
    missing = missing_modules(extra)
    if missing:
        message = missing_message(extra, needed_by, missing)
        raise MissingExtraError(f"{message}{', ' + also if also else ''}",
                                name=next(iter(EXTRAS[extra])))
