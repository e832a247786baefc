"""The package's rooms depend on each other one way (STYLE.md): a test reads every import of
every module, those inside functions included, so a lazy import cannot hide a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"

FORBIDDEN = {
    # the model knows nothing of experiments, words, pictures, pages or commands
    "sim.model": ("sim.experiments", "sim.analysis", "sim.presentation", "sim.brief",
                  "sim.plots", "sim.dashboard", "sim.cli", "sim.api"),
    "sim.scenario": ("sim.experiments", "sim.analysis", "sim.presentation", "sim.brief",
                     "sim.plots", "sim.dashboard", "sim.cli", "sim.api"),
    "sim.experiments": ("sim.brief", "sim.plots", "sim.dashboard", "sim.cli", "sim.api"),
    # the shared words and console tables use no front end
    "sim.presentation": ("sim.brief", "sim.plots", "sim.dashboard", "sim.cli", "sim.api"),
    "sim.plots": ("sim.brief", "sim.dashboard", "sim.cli", "sim.api"),
    "sim.brief": ("sim.dashboard", "sim.cli", "sim.api"),
    "sim.dashboard": ("sim.cli",),
    # the API's results and readers never import back the functions or sim.open
    "sim.api.results": ("sim.api", "sim.api.folders"),
    "sim.api.search_results": ("sim.api", "sim.api.folders"),
    "sim.api.readers": ("sim.api", "sim.api.folders", "sim.api.results"),
    "sim.api.comparison": ("sim.api", "sim.api.folders", "sim.api.results"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def breaks(imported: str, forbidden: str) -> bool:
    """`imported` is `forbidden` itself, or a module under it when `forbidden` is a package
    other than the bare API (whose own modules `sim.api.X` are listed one by one)."""
    if imported == forbidden:
        return True
    return forbidden != "sim.api" and imported.startswith(forbidden + ".")


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_each_room_imports_only_downwards(room: str) -> None:
    base = SIM.parent / Path(*room.split("."))
    paths = sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
    assert paths, room
    wrong = [f"{module_name(p)} imports {name}" for p in paths for name in imports_of(p)
             for forbidden in FORBIDDEN[room] if breaks(name, forbidden)]
    assert wrong == []


def test_a_forbidden_import_is_found() -> None:
    """The check itself: an import inside a function counts."""
    source = "def f():\n    from sim.api import discover\n"
    found = {name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)
             for name in (node.module, f"{node.module}.{node.names[0].name}")}
    assert any(breaks(name, "sim.api") for name in found)
    assert not breaks("sim.api.readers", "sim.api")
