"""`regsim app` against a hostile working directory, bad `--host` values, forged `Host` and
`Origin` headers, forged picker values and Ctrl+C (issue 15), without a browser.

The slow tests start the real server: from a folder holding a `solara.py`, `starlette.py`,
`uvicorn.py`, `anyio.py` and `sim.py` that each write a marker file if imported (none may
run), and stopped with Ctrl+C (SIGINT to the command's process group, as a terminal sends it):
one line, exit 130, no leaked-semaphore warning, no traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import app_command, main

REPO = Path(__file__).resolve().parent.parent
START_S = 180.0
SHADOWED = ("solara", "starlette", "uvicorn", "anyio", "sim", "click", "multiprocessing")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _regsim() -> list[str]:
    """The `regsim` console script as a user runs it (`python -m sim.cli` would itself put the
    working directory first on sys.path)."""
    script = Path(sys.executable).parent / "regsim"
    if not script.exists():
        pytest.skip("needs the regsim console script (pip install -e .)")
    return [str(script)]


def _start(cwd: Path, port: int) -> subprocess.Popen:
    return subprocess.Popen([*_regsim(), "app", "--port", str(port)],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _wait_for_address(process: subprocess.Popen) -> str:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline and process.poll() is None:
        line = process.stdout.readline()
        if "regsim workshop dashboard:" in line:
            return line
    return ""


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.slow
def test_no_module_in_the_working_directory_runs_and_ctrl_c_stops_cleanly(tmp_path):
    """Regression: `python -m solara` put the working directory first on sys.path, so a
    `solara.py` there ran instead of Solara (and `regsim app` exited 0 silently); Ctrl+C left
    a leaked-semaphore warning."""
    pytest.importorskip("solara", reason="needs the app extra: pip install -e '.[app]'")
    for name in SHADOWED:
        (tmp_path / f"{name}.py").write_text(
            f"open({str(tmp_path / ('ran-' + name))!r}, 'w').write('ran')\n")
    (tmp_path / ".env").write_text("SOLARA_KERNEL_MAX_COUNT=0\n")
    port = _free_port()
    process = _start(tmp_path, port)
    try:
        line = _wait_for_address(process)
        ran = sorted(path.name for path in tmp_path.glob("ran-*"))
        assert ran == [], f"modules of the working directory ran: {ran}"
        assert f"http://127.0.0.1:{port}/" in line, process.stderr.read()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
            assert response.status == 200  # the page module is loaded, its workers started
        os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl+C sends
        _, stderr = process.communicate(timeout=60)
    finally:
        _kill_group(process)
    assert process.returncode == 130
    assert stderr == "regsim app: stopped (Ctrl+C)\n", stderr
    assert sorted(path.name for path in tmp_path.glob("ran-*")) == []


def test_a_server_that_stops_by_itself_is_an_error_in_one_line(monkeypatch):
    """Regression: a server that exited at once (e.g. a shadowed module) left `regsim app`
    exiting 0 without a word."""
    monkeypatch.setattr(app_command, "_missing_packages", lambda: [])
    monkeypatch.setattr(app_command, "server_command",
                        lambda host, port: [sys.executable, "-c", "pass"])
    result = CliRunner().invoke(main, ["app", "--port", str(_free_port())])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: the dashboard server stopped before it listened "
                                    "(exit status 0)")


@pytest.mark.parametrize("host", ["bad host name", "", " ", "a..b", "-x", "x" * 300,
                                  "127.0.0.1:80", "http://127.0.0.1", "exa mple.org",
                                  "no-such-host.invalid"])
def test_a_bad_host_is_refused_in_one_line(monkeypatch, host):
    monkeypatch.setattr(app_command, "_missing_packages", lambda: [])
    monkeypatch.setattr(app_command, "server_command", lambda host, port: pytest.fail(
        "the server was started"))
    result = CliRunner().invoke(main, ["app", "--host", host])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: --host") and result.stderr.count("\n") == 1


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("127.255.255.254", True), ("::1", True),
    ("localhost", True), ("::ffff:127.0.0.1", True), ("10.0.0.1", False),
    ("192.168.1.2", False), ("0.0.0.0", False), ("::", False), ("2001:db8::1", False),
])
def test_loopback_is_any_127_address_and_ipv6_loopback(host, loopback):
    assert app_command.is_loopback(host) is loopback


@pytest.mark.parametrize(("host", "warned"), [("127.0.0.2", False), ("::1", False),
                                              ("0.0.0.0", True)])
def test_only_a_host_other_machines_can_reach_is_warned(monkeypatch, host, warned):
    """Regression: 127.0.0.2 was warned as reachable from other machines."""
    monkeypatch.setattr(app_command, "_missing_packages", lambda: [])
    monkeypatch.setattr(app_command, "_check_port_free", lambda host, port: None)
    monkeypatch.setattr(app_command, "server_command",
                        lambda host, port: [sys.executable, "-c", "pass"])
    result = CliRunner().invoke(main, ["app", "--host", host, "--port", str(_free_port())])
    assert ("warning:" in result.stderr) is warned, result.stderr


@pytest.mark.parametrize(("host", "url"), [
    ("0.0.0.0", "http://127.0.0.1:8898/"), ("::", "http://[::1]:8898/"),
    ("::1", "http://[::1]:8898/"), ("127.0.0.2", "http://127.0.0.2:8898/"),
    ("localhost", "http://localhost:8898/"),
])
def test_the_printed_address_can_be_opened(host, url):
    """Regression: `--host ""` printed `http://:8898/` (and bound every interface)."""
    assert app_command.url_of(app_command.checked_host(host), 8898) == url


def test_closed_pages_kernels_are_culled_within_minutes_not_a_day(monkeypatch):
    from sim.dashboard.workshop import SCENARIO_ENV_VAR

    monkeypatch.delenv("SOLARA_KERNEL_CULL_TIMEOUT", raising=False)
    env = app_command.server_environment("/x/baseline.toml")
    assert env[SCENARIO_ENV_VAR] == "/x/baseline.toml"
    import solara.util

    assert solara.util.parse_timedelta(env["SOLARA_KERNEL_CULL_TIMEOUT"]) <= 300
    monkeypatch.setenv("SOLARA_KERNEL_CULL_TIMEOUT", "30s")
    assert app_command.server_environment("x")["SOLARA_KERNEL_CULL_TIMEOUT"] == "30s"


def test_relative_pythonpath_entries_do_not_reach_the_server(monkeypatch):
    """A relative PYTHONPATH entry ('.', '') would name a folder the server imports from."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([".", "", "lib", "/opt/site"]))
    assert app_command.server_environment("x")["PYTHONPATH"] == "/opt/site"


# Host and Origin --------------------------------------------------------------------------------


def _guard(host: str, port: int):
    from sim.dashboard.origin_guard import OriginGuard

    return OriginGuard(None, host, port)


def _answer(guard, kind: str, headers: dict[str, str]) -> str:
    """What the guard does with a request: 'passed', 'refused 403' or 'closed 1008'."""
    outcome: list[str] = []

    async def app(scope, receive, send):
        outcome.append("passed")

    async def send(message):
        if message["type"] == "http.response.start":
            outcome.append(f"refused {message['status']}")
        elif message["type"] == "websocket.close":
            outcome.append(f"closed {message['code']}")

    async def receive():
        return {}

    guard.app = app
    scope = {"type": kind, "headers": [(k.lower().encode(), v.encode())
                                       for k, v in headers.items()]}
    asyncio.run(guard(scope, receive, send))
    return outcome[0]


@pytest.mark.parametrize(("kind", "headers", "answer"), [
    ("http", {"Host": "127.0.0.1:8898"}, "passed"),
    ("http", {"Host": "localhost:8898"}, "passed"),
    ("http", {"Host": "[::1]:8898"}, "passed"),
    ("http", {"Host": "evil.example:8898"}, "refused 403"),  # DNS rebinding
    ("http", {"Host": "127.0.0.1:9999"}, "refused 403"),
    ("http", {"Host": "127.0.0.1"}, "refused 403"),
    ("http", {}, "refused 403"),
    ("http", {"Host": "127.0.0.1:8898@evil.example"}, "refused 403"),
    ("http", {"Host": "127.0.0.1:8898", "Origin": "http://evil.example"}, "refused 403"),
    ("http", {"Host": "127.0.0.1:8898", "Origin": "http://127.0.0.1:8898"}, "passed"),
    ("websocket", {"Host": "127.0.0.1:8898", "Origin": "http://127.0.0.1:8898"}, "passed"),
    ("websocket", {"Host": "127.0.0.1:8898"}, "passed"),  # not a browser
    ("websocket", {"Host": "127.0.0.1:8898", "Origin": "http://evil.example"}, "closed 1008"),
    ("websocket", {"Host": "127.0.0.1:8898", "Origin": "null"}, "closed 1008"),
    ("websocket", {"Host": "127.0.0.1:8898", "Origin": "http://localhost:8898"}, "closed 1008"),
    ("websocket", {"Host": "evil.example:8898", "Origin": "http://evil.example:8898"},
     "closed 1008"),
])
def test_foreign_host_and_origin_headers_are_refused(kind, headers, answer):
    assert _answer(_guard("127.0.0.1", 8898), kind, headers) == answer


def test_a_host_opened_on_purpose_is_allowed_and_every_interface_takes_any_name():
    from sim.dashboard.origin_guard import allowed_hosts, host_allowed

    assert host_allowed("192.168.1.5:80", allowed_hosts("192.168.1.5"), 80)
    assert not host_allowed("evil.example:80", allowed_hosts("192.168.1.5"), 80)
    assert host_allowed("workshop.lan:80", allowed_hosts("0.0.0.0"), 80)
    anywhere = _guard("0.0.0.0", 8898)
    assert _answer(anywhere, "websocket", {"Host": "workshop.lan:8898",
                                           "Origin": "http://workshop.lan:8898"}) == "passed"
    assert _answer(anywhere, "websocket", {"Host": "workshop.lan:8898",
                                           "Origin": "http://evil.example"}) == "closed 1008"


# The scenario picker ----------------------------------------------------------------------------


def test_the_picker_opens_only_the_scenarios_it_offered(monkeypatch, tmp_path):
    """Regression: a crafted websocket message set the picker's value to /etc/passwd and the
    page read it (its first values reached the error page); a forged value is ignored."""
    solara = pytest.importorskip("solara")
    from sim.dashboard import app
    from sim.dashboard.compute import engine
    from sim.dashboard.workshop import SCENARIO_ENV_VAR

    secret = tmp_path / "secret.toml"
    secret.write_text('[scenario]\nname = "secret"\nquestion = "leaked?"\n')
    tiny = tmp_path / "tiny.toml"  # the page starts computing it: keep that cheap
    tiny.write_text(f'extends = "{REPO / "scenarios" / "baseline.toml"}"\n[scenario]\n'
                    'name = "tiny"\nmonths = 6\n[world.ecosystem]\nadopters = 200\n')
    monkeypatch.setenv(SCENARIO_ENV_VAR, str(tiny))

    async def render():
        box, context = solara.render(app.Page(), handle_error=False)
        try:
            picker = _find(box, lambda w: "regsim-picker" in (getattr(w, "class_", "") or ""))
            offered = [item["value"] for item in picker.items]
            for forged in ("/etc/passwd", str(secret), ["x"], {"a": 1}, None):
                picker.v_model = forged  # what a crafted websocket message does
                assert app.selected_path.value == ""
            picker.v_model = offered[-1]
            return offered[-1], app.selected_path.value
        finally:
            context.close()

    try:
        chosen, selected = asyncio.run(render())
    finally:
        engine().shutdown()
        app.selected_path.set("")
    assert selected == chosen, "a scenario the picker offers still opens"
    # The page itself opens only an offered scenario, whatever the session's value holds.
    assert app.picked(str(secret)) == app.picked("") == app.picked("/etc/passwd") == str(tiny)
    assert app.picked(chosen) == chosen


def _find(root, test):
    import ipywidgets

    pending = [root]
    while pending:
        widget = pending.pop()
        if test(widget):
            return widget
        pending += [child for child in (getattr(widget, "children", None) or [])
                    if isinstance(child, ipywidgets.Widget)]
    raise AssertionError("widget not found")


# The narrative ----------------------------------------------------------------------------------


def test_a_dated_changes_note_is_told_in_the_narrative():
    """Regression: the note, documented as shown in the narrative, read 'Scheduled change
    takes effect: 2024-06'."""
    from sim.presentation.narrative import digest, with_change_notes

    events = [{"step": 5, "month": "2024-06", "kind": "change",
               "text": "Scheduled change takes effect: 2024-06"},
              {"step": 9, "month": "2024-10", "kind": "change",
               "text": "Scheduled change takes effect: 2024-10"}]
    lines = digest(with_change_notes(events, {"2024-06": "The AI Act's GPAI duties apply",
                                              "2024-10": "Chips get cheaper"}))
    assert [line.text for line in lines] == [
        "Scheduled change: The AI Act's GPAI duties apply", "Scheduled change: Chips get cheaper"]
    unnoted = digest(with_change_notes(events, {}))
    assert unnoted[0].text == "Scheduled change takes effect: 2024-06"


def test_the_dashboards_narrative_tells_the_note_of_a_real_run(tmp_path):
    """The same through the page's own steps: a scenario's [[changes]] note, the model's event
    of a real run, the narrative's line."""
    pytest.importorskip("solara")
    from sim.dashboard import app
    from sim.dashboard.compute import simulate
    from sim.dashboard.workshop import load_workshop
    from sim.presentation.narrative import digest, with_change_notes

    path = tmp_path / "noted.toml"
    path.write_text(f'extends = "{REPO / "scenarios" / "baseline.toml"}"\n[scenario]\n'
                    'name = "noted"\nmonths = 8\n[world.ecosystem]\nadopters = 200\n'
                    '[[changes]]\nmonth = "2024-06"\nnote = "Compute gets cheaper"\n'
                    '[changes.set]\n"world.compute.flop_price_decline_per_year" = 1.5\n')
    workshop = load_workshop(str(path))
    request = app.plan(workshop, workshop.defaults(), 1, None)
    draw = simulate(request.baseline, workshop.seeds(1)[0])
    lines = digest(with_change_notes(draw.events, app._change_notes(request)))
    assert "Scheduled change: Compute gets cheaper" in [line.text for line in lines]
