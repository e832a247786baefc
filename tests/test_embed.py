"""A report embeds only real PNG images of its own folder (issue 8, item 8)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.brief.embed import PNG_SIGNATURE, safe_image_bytes
from sim.cli import main

REPO = Path(__file__).resolve().parent.parent
IMAGE = PNG_SIGNATURE + b"\x00\x00\x00\rIHDR rest of a png"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    plots = tmp_path / "run" / "plots"
    plots.mkdir(parents=True)
    (plots / "capability.png").write_bytes(IMAGE)
    (tmp_path / "secret.txt").write_bytes(PNG_SIGNATURE + b"secret, but shaped like a png")
    return tmp_path / "run"


def test_a_png_of_the_folder_is_embedded(folder: Path) -> None:
    assert safe_image_bytes(folder, folder / "plots" / "capability.png") == IMAGE


@pytest.mark.parametrize("make", ["symlink", "outside", "text", "fifo", "folder", "huge",
                                  "linked folder", "missing"])
def test_anything_else_is_not(folder: Path, make: str) -> None:
    target = folder / "plots" / "other.png"
    if make == "symlink":
        target.symlink_to(folder.parent / "secret.txt")
    elif make == "outside":
        target = folder.parent / "secret.txt"
    elif make == "text":
        target.write_text("<svg onload=alert(1)>")
    elif make == "fifo":
        os.mkfifo(target)
    elif make == "folder":
        target.mkdir()
    elif make == "huge":
        target.write_bytes(PNG_SIGNATURE + b"\0" * (21 * 1024 * 1024))
    elif make == "linked folder":
        (folder.parent / "elsewhere").mkdir()
        (folder.parent / "elsewhere" / "x.png").write_bytes(IMAGE)
        (folder / "linked").symlink_to(folder.parent / "elsewhere")
        target = folder / "linked" / "x.png"
    assert safe_image_bytes(folder, target) is None


def test_the_report_command_refuses_a_plot_that_links_elsewhere(tmp_path: Path) -> None:
    run = tmp_path / "run"
    made = CliRunner().invoke(main, ["run", str(REPO / "scenarios" / "baseline.toml"), "-n",
                                     "2", "--set", "scenario.months=12", "--set",
                                     "world.ecosystem.adopters=200", "--out", str(run), "-q"])
    assert made.exit_code == 0, made.output
    secret = tmp_path / "shadow"
    secret.write_bytes(PNG_SIGNATURE + b"root:$6$hash")
    (run / "plots" / "capability.png").unlink()
    (run / "plots" / "capability.png").symlink_to(secret)
    result = CliRunner().invoke(main, ["report", str(run)])
    assert result.exit_code == 2
    assert "plots/capability.png: not a PNG image of this folder" in result.stderr
    assert not (run / "report.html").exists()
    (run / "plots" / "capability.png").unlink()
    result = CliRunner().invoke(main, ["report", str(run)])
    assert result.exit_code == 0, result.output
    assert "root:$6$" not in (run / "report.html").read_text()
