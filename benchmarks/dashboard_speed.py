"""Time the workshop dashboard in Debian's headless chromium at 1366x768, loopback only.

Starts `regsim app baseline` (which warms its worker pool and computes the baseline at start)
and measures, from the browser's side:

- **page load**: from navigation to every chart drawn and every headline filled, in a fresh
  browser context (empty cache) each time; `--loads` times after one untimed warm-up visit;
- **lever change**: from the click to the complete redraw (status ready, every chart and the
  headline strip showing the new result), `--changes` times, each to a setting never computed
  before (California's kill switch on, then its threshold slider at new positions), so each
  one runs the whole horizon for 10 draws;
- **lever change, cached**: moving back to settings already computed.

Every request off this machine is aborted and reported. Prints medians, minima and maxima of
wall time (seconds, `time.perf_counter`), and the CPU time the server and its workers spent per
lever change (user + system seconds of the server's process group from /proc, Linux only):
wall time is noisy on a shared machine, CPU time much less so.

    python benchmarks/dashboard_speed.py [--loads 5] [--changes 10]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from browser_support import (  # noqa: E402 (after the path set-up)
    VIEWPORT,
    RequestLog,
    app_server,
    launch,
    open_details,
    slide,
    toggle,
    wait_ready,
)

from sim.extras import MissingExtraError, require_extra  # noqa: E402

KILL_SWITCH = "regulators.california.policies.kill_switch.enabled"
THRESHOLD = "regulators.california.policies.kill_switch.threshold_flop"


def server_cpu_s() -> float:
    """User + system CPU seconds of every process in the `regsim app` server's process group
    (the server, its worker pool and any reaped children); nan without /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    me = str(os.getpid())
    stats = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended meanwhile
            stats.append((entry.name, fields))
    # fields[1] is the parent, fields[2] the process group; the server is our child and leads
    # its own group (start_new_session).
    groups = {pid for pid, fields in stats if fields[1] == me and fields[2] == pid}
    if not groups:
        return float("nan")
    return sum(int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
               for _, f in stats if f[2] in groups) / tick


def _page(browser):
    page = browser.new_page(viewport=VIEWPORT)
    requests = RequestLog()
    requests.attach(page)
    return page, requests


def measure_loads(browser, url: str, loads: int) -> tuple[list[float], list[str]]:
    off_machine: list[str] = []
    times = []
    for index in range(loads + 1):
        context = browser.new_context(viewport=VIEWPORT)  # empty cache: a first visit
        page = context.new_page()
        requests = RequestLog()
        requests.attach(page)
        started = time.perf_counter()
        page.goto(url)
        wait_ready(page)
        elapsed = time.perf_counter() - started
        if index:  # the first visit only warms the server's caches
            times.append(elapsed)
        off_machine += requests.off_machine()
        context.close()
    return times, off_machine


def measure_changes(browser, url: str, changes: int
                    ) -> tuple[list[float], list[float], list[float], list[str]]:
    """Wall seconds of fresh and cached lever changes, the server's CPU seconds per fresh
    change, and any requests off the machine."""
    page, requests = _page(browser)
    page.goto(url)
    key = wait_ready(page)
    fresh, cached, seen, cpu = [], [], [key], []

    def timed(action) -> float:
        nonlocal key
        started, cpu_before = time.perf_counter(), server_cpu_s()
        action()
        key = wait_ready(page, key)
        seen.append(key)
        cpu.append(server_cpu_s() - cpu_before)
        return time.perf_counter() - started

    fresh.append(timed(lambda: toggle(page, KILL_SWITCH)))
    open_details(page, "California--kill-switch")
    # Thresholds from 1e23 to 1e25.75: none is the default 1e26, none repeats (0.1 OOM steps).
    positions = [0.05 + 0.5 * i / max(1, changes - 2) for i in range(changes - 1)]
    for fraction in positions:
        fresh.append(timed(lambda fraction=fraction: slide(page, THRESHOLD, fraction)))
    for _ in range(max(1, changes // 2)):  # the kill switch off and on: both computed before
        cached.append(timed(lambda: toggle(page, KILL_SWITCH)))
    if len(set(seen[: len(fresh) + 1])) != len(fresh) + 1:
        raise RuntimeError("a 'new' setting was one computed before; the figures would lie")
    return fresh, cached, cpu[: len(fresh)], requests.off_machine()


def _row(name: str, values: list[float]) -> str:
    return (f"{name:<34} {statistics.median(values):>8.2f} {min(values):>8.2f} "
            f"{max(values):>8.2f} {len(values):>4}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--changes", type=int, default=10)
    args = parser.parse_args()
    try:
        require_extra("bench", "benchmarks/dashboard_speed.py")
    except MissingExtraError as error:
        raise SystemExit(f"error: {error}") from None
    from playwright.sync_api import sync_playwright

    log = Path(tempfile.mkdtemp(prefix="regsim-bench-")) / "server.log"
    load_before = os.getloadavg()[0]
    with app_server("baseline", log) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            time.sleep(5)  # let the server finish warming up, as before a session
            loads, away = measure_loads(browser, url, args.loads)
            fresh, cached, cpu, away_too = measure_changes(browser, url, args.changes)
        finally:
            browser.close()
    print(f"regsim dashboard benchmark: baseline, 10 draws, 1366x768; python "
          f"{platform.python_version()}; {os.cpu_count()} cores, 1-minute load average "
          f"{load_before:.1f} before and {os.getloadavg()[0]:.1f} after (this run included)")
    print(f"{'':<34} {'median s':>8} {'min s':>8} {'max s':>8} {'n':>4}")
    print(_row("page load to every chart drawn", loads))
    print(_row("lever change to complete redraw", fresh))
    print(_row("lever change, settings cached", cached))
    print(_row("server CPU s per fresh change", cpu))
    requests_off = away + away_too
    print(f"requests off this machine: {len(requests_off)}")
    if requests_off:
        raise SystemExit(f"requests left the machine: {requests_off[:5]}")


if __name__ == "__main__":
    main()
