"""Time the workshop dashboard in Debian's headless chromium at 1366x768, loopback only.

Starts `regsim app baseline` (which warms its worker pool and computes the baseline at start)
and measures, from the browser's side:

- **page load**: from navigation to every chart drawn and every headline filled, in a fresh
  browser context (empty cache) each time; `--loads` times after one untimed warm-up visit;
- **lever change**: from the click to the complete redraw (status ready, every chart and the
  headline strip showing the new result), `--changes` times, each to a setting never computed
  before (California's kill switch on, then its threshold slider at new positions), so each
  one runs the whole horizon for 10 draws;
- **first answer**: from the click to the first numbers of the new setting on screen (from its
  first draws, dimmed, while the others compute);
- **lever change, cached**: moving back to settings already computed;
- **toggle, neighbours precomputed**: after the server has computed the neighbouring settings
  in the background (each instrument toggled, each slider one notch; it is left idle until its
  CPU use stops), toggling an instrument;
- **bytes per change**: websocket bytes the page received per fresh change.

Every request off this machine is aborted and reported. Prints medians, minima and maxima of
wall time (seconds, `time.perf_counter`), and the CPU time the server and its workers spent per
lever change (user + system seconds of the server's process group from /proc, Linux only),
split into the page's server and its workers, and the browser's CPU time beside it (on a
workshop laptop the browser shares the cores with the model): wall time is noisy on a shared
machine, CPU time much less so. The 1-minute load average before
and after is printed: compare figures only at similar loads.

With `--against REF` the same measurements run against commit REF too (a detached worktree of
it, removed at exit), interleaved (this tree, REF, this tree, REF: `--rounds` each), each run
with its load printed, and the ratio of the medians is printed beside them: compare checkouts
only this way on a shared machine. The CPU seconds of a cached change and of the precomputed
toggle are printed too (the server process's and the browser's; the workers' meanwhile is
the background computing the neighbours, at the lowest priority).

    python benchmarks/dashboard_speed.py [--loads 5] [--changes 10] [--neighbours 12]
                                         [--against REF [--rounds 2]]
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

from sim.dashboard.neighbours import NEIGHBOURS_ENV_VAR  # noqa: E402
from sim.extras import MissingExtraError, require_extra  # noqa: E402

KILL_SWITCH = "regulators.california.policies.kill_switch.enabled"
THRESHOLD = "regulators.california.policies.kill_switch.threshold_flop"
LICENCE = "regulators.us_federal.policies.open_weight_licence.enabled"


def server_cpu_s() -> float:
    """User + system CPU seconds of every process descended from this script's children (the
    `regsim app` launcher, the server it starts in a session of its own, and the server's
    worker pools, reaped children included); nan without /proc."""
    parts = cpu_parts_s()
    return parts["server"] + parts["workers"]


def cpu_parts_s() -> dict[str, float]:
    """The CPU seconds of `server_cpu_s` split into the server (the launcher and the page's
    server process: rendering, charts, sending) and its workers (the model and summarising
    the draws, background neighbours included), and the browser's (Playwright's driver and
    the chromium it runs: drawing the page; not part of `server_cpu_s`); nan without /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended meanwhile
            stats[entry.name] = fields
    # fields[1] is the parent; walk down from this script.
    children: dict[str, list[str]] = {}
    for pid, fields in stats.items():
        children.setdefault(fields[1], []).append(pid)
    mine = children.get(str(os.getpid()), [])
    driver = [pid for pid in mine if "playwright" in _command(pid)]
    found = _descendants([pid for pid in mine if pid not in driver], children)
    if not found:
        return {"server": float("nan"), "workers": float("nan"), "browser": float("nan")}
    workers = {pid for pid in found if "multiprocessing" in _command(pid)}

    def total(pids) -> float:
        return sum(int(stats[p][11]) + int(stats[p][12]) + int(stats[p][13])
                   + int(stats[p][14]) for p in pids) / tick

    return {"server": total(found - workers), "workers": total(workers),
            "browser": total(_descendants(driver, children))}


def _descendants(roots: list[str], children: dict[str, list[str]]) -> set[str]:
    found, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    return found


def _command(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


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


FIRST_ANSWER = """old => {
  const status = document.querySelector('.regsim-status');
  const strip = document.querySelector('.regsim-headlines');
  return status.dataset.key !== old && strip.dataset.key.startsWith(status.dataset.key);
}"""
"""True once the strip shows numbers of the new setting (its first draws, or all of them)."""


def measure_changes(browser, url: str, changes: int) -> dict[str, list]:
    """Wall seconds of fresh and cached lever changes and of their first answers, the
    server's CPU seconds and the websocket bytes per fresh change, a toggle whose neighbours
    were computed in the background, and any requests off the machine."""
    page, requests = _page(browser)
    received = [0]
    page.on("websocket", lambda socket_: socket_.on(
        "framereceived", lambda payload: received.__setitem__(
            0, received[0] + len(payload if isinstance(payload, bytes | str) else b""))))
    page.goto(url)
    key = wait_ready(page)
    fresh, cached, seen, cpu, first, sent = [], [], [key], [], [], []
    parts: dict[str, list[float]] = {"server": [], "workers": [], "browser": []}

    def timed(action) -> float:
        nonlocal key
        started, parts_before, bytes_before = time.perf_counter(), cpu_parts_s(), received[0]
        action()
        page.wait_for_function(FIRST_ANSWER, arg=key, timeout=120_000)
        first.append(time.perf_counter() - started)
        key = wait_ready(page, key)
        seen.append(key)
        parts_after = cpu_parts_s()
        for name, values in parts.items():
            values.append(parts_after[name] - parts_before[name])
        cpu.append(parts["server"][-1] + parts["workers"][-1])
        sent.append(received[0] - bytes_before)
        return time.perf_counter() - started

    fresh.append(timed(lambda: toggle(page, KILL_SWITCH)))
    open_details(page, "California--kill-switch")
    # Thresholds from 1e23 to 1e25.75: none is the default 1e26, none repeats (0.1 OOM steps).
    positions = [0.05 + 0.5 * i / max(1, changes - 2) for i in range(changes - 1)]
    for fraction in positions:
        fresh.append(timed(lambda fraction=fraction: slide(page, THRESHOLD, fraction)))
    n = len(fresh)
    for _ in range(max(1, changes // 2)):  # the kill switch off and on: both computed before
        cached.append(timed(lambda: toggle(page, KILL_SWITCH)))
    if len(set(seen[: n + 1])) != n + 1:
        raise RuntimeError("a 'new' setting was one computed before; the figures would lie")
    wait_idle()  # the neighbours of the setting shown are computed meanwhile
    precomputed = [timed(lambda: toggle(page, LICENCE))]
    m = len(cached)
    return {"fresh": fresh, "cached": cached, "cpu": cpu[:n], "first": first[:n],
            **{f"cpu {name}": values[:n] for name, values in parts.items()},
            **{f"cpu {name} cached": values[n:n + m] for name, values in parts.items()},
            **{f"cpu {name} precomputed": values[n + m:] for name, values in parts.items()},
            "bytes": sent[:n], "precomputed": precomputed, "away": requests.off_machine()}


def wait_idle(limit_s: float = 600.0) -> None:
    """Wait until the server's process group has used < 5% of a core for 3 seconds."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        before = server_cpu_s()
        time.sleep(3.0)
        if server_cpu_s() - before < 0.15:
            return


ROWS = (
    ("page load to every chart drawn", "loads", 1.0),
    ("lever change to first answer", "first", 1.0),
    ("lever change to complete redraw", "fresh", 1.0),
    ("lever change, settings cached", "cached", 1.0),
    ("toggle, neighbours precomputed", "precomputed", 1.0),
    ("server CPU s per fresh change", "cpu", 1.0),
    ("  of which the server process", "cpu server", 1.0),
    ("  of which its worker pools", "cpu workers", 1.0),
    ("browser CPU s per fresh change", "cpu browser", 1.0),
    ("server process CPU s, cached change", "cpu server cached", 1.0),
    ("  its workers meanwhile (neighbours)", "cpu workers cached", 1.0),
    ("browser CPU s per cached change", "cpu browser cached", 1.0),
    ("server process CPU s, precomputed", "cpu server precomputed", 1.0),
    ("browser CPU s, precomputed toggle", "cpu browser precomputed", 1.0),
    ("websocket MB per fresh change", "bytes", 1e-6),
)
"""Each printed row: its name, its figures and their scale."""


def _row(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<34} {'-':>8} {'-':>8} {'-':>8} {0:>4}"
    return (f"{name:<34} {statistics.median(values):>8.2f} {min(values):>8.2f} "
            f"{max(values):>8.2f} {len(values):>4}")


def measure(repo: Path, args: argparse.Namespace) -> dict[str, list]:
    """One run of every measurement against the server of the checkout `repo`, with the
    1-minute load average before and after it."""
    from playwright.sync_api import sync_playwright

    log = Path(tempfile.mkdtemp(prefix="regsim-bench-")) / "server.log"
    load_before = os.getloadavg()[0]
    env = {NEIGHBOURS_ENV_VAR: str(args.neighbours)}
    with app_server("baseline", log, env, repo) as url, sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            time.sleep(5)  # let the server finish warming up, as before a session
            loads, away = measure_loads(browser, url, args.loads)
            changes = measure_changes(browser, url, args.changes)
        finally:
            browser.close()
    changes["away"] = away + changes["away"]
    return {**changes, "loads": loads, "load": [load_before, os.getloadavg()[0]]}


def reference_checkout(ref: str) -> Path:
    """A detached worktree of commit `ref` of this repository (removed at exit)."""
    import atexit
    import subprocess

    folder = Path(tempfile.mkdtemp(prefix="regsim-bench-ref-")) / "tree"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(folder), ref],
                   check=True, capture_output=True)
    atexit.register(subprocess.run, ["git", "-C", str(REPO), "worktree", "remove", "--force",
                                     str(folder)], capture_output=True)
    return folder


def report(name: str, runs: list[dict[str, list]]) -> dict[str, list[float]]:
    """Print one checkout's figures pooled over its runs; returns them."""
    pooled = {key: [value * scale for run in runs for value in run[key]]
              for _, key, scale in ROWS}
    loads = ", ".join(f"{run['load'][0]:.1f}->{run['load'][1]:.1f}" for run in runs)
    print(f"{name}: {len(runs)} run(s); 1-minute load average before->after each: {loads}")
    print(f"{'':<34} {'median s':>8} {'min s':>8} {'max s':>8} {'n':>4}")
    for label, key, _ in ROWS:
        print(_row(label, pooled[key]))
    return pooled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--neighbours", type=int, default=12,
                        help="settings the server computes ahead of each change")
    parser.add_argument("--against", metavar="REF",
                        help="also measure commit REF, interleaved (this tree, REF, this tree, "
                             "REF, ...), and print the ratios")
    parser.add_argument("--rounds", type=int, default=2,
                        help="runs of each checkout with --against")
    args = parser.parse_args()
    try:
        require_extra("bench", "benchmarks/dashboard_speed.py")
    except MissingExtraError as error:
        raise SystemExit(f"error: {error}") from None
    import subprocess

    cpu_before = time.process_time()
    sides = {"this tree": REPO}
    if args.against:
        sides[args.against] = reference_checkout(args.against)
    runs: dict[str, list] = {name: [] for name in sides}
    for _ in range(args.rounds if args.against else 1):
        for name, repo in sides.items():
            runs[name].append(measure(repo, args))
    print(f"regsim dashboard benchmark: baseline, 10 draws, 1366x768; python "
          f"{platform.python_version()}; {os.cpu_count()} cores")
    pooled = {}
    for name, repo in sides.items():
        commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        pooled[name] = report(f"{name} ({commit or 'no git'})", runs[name])
    if args.against:
        print(f"ratio of medians, this tree / {args.against} (below 1: this tree is faster)")
        for label, key, _ in ROWS:
            ours, theirs = pooled["this tree"][key], pooled[args.against][key]
            if ours and theirs and statistics.median(theirs) > 0:
                print(f"{label:<34} {statistics.median(ours) / statistics.median(theirs):>8.2f}")
    print(f"this script's own CPU s (browser driver): {time.process_time() - cpu_before:.1f}")
    requests_off = [url for side in runs.values() for run in side for url in run["away"]]
    print(f"requests off this machine: {len(requests_off)}")
    if requests_off:
        raise SystemExit(f"requests left the machine: {requests_off[:5]}")


if __name__ == "__main__":
    main()
