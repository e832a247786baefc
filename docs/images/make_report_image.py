"""Write docs/images/report.png, the README's picture of page one of a policy brief.

    .venv/bin/python docs/images/make_report_image.py [--replicates 20] [--folder DIR]

Runs `regsim compare baseline kill_switch -n 20` (the bundled scenarios, default seed) into a
temporary folder, or takes an existing compare folder with `--folder`, writes its brief with
`regsim report`, opens it in Debian's headless chromium (`/usr/bin/chromium`, driven by the
`playwright` pip package of the test extra; no browser is downloaded) at 1000 px wide, and
saves page one (everything before the evidence sections) as a PNG. Nothing is fetched from the
network: the brief is one self-contained file.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTH_PX = 1000
MAX_HEIGHT_PX = 2000
"""Page one is cut here if it is ever longer (on screen it is about 1,500 px)."""


def regsim(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "sim.cli", *args], cwd=REPO, check=True)


def screenshot(brief: Path, out: Path) -> None:
    """Page one of the brief at `brief` as a PNG at `out`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDTH_PX, "height": 1300})
            page.goto(brief.as_uri())
            box = page.locator(".page-one").bounding_box()
            height = min(MAX_HEIGHT_PX, int(box["y"] + box["height"]) + 16)
            page.screenshot(path=str(out), full_page=True,
                            clip={"x": 0, "y": 0, "width": WIDTH_PX, "height": height})
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--folder", type=Path, help="an existing compare folder to use")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images" / "report.png")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = options.folder
        if folder is None:
            folder = Path(scratch) / "compare"
            regsim("compare", "baseline", "kill_switch", "-n", str(options.replicates), "-q",
                   "--out", str(folder))
        brief = Path(scratch) / "report.html"
        regsim("report", str(folder), "--out", str(brief))
        screenshot(brief, options.out)
    print(f"wrote {options.out}")


if __name__ == "__main__":
    main()
