"""`regsim app` as a process: it prints its address only once the server listens, stops its
server on SIGTERM and SIGINT (no `solara` child left listening), refuses a port already in
use, and says how to install the dashboard when the app extra is missing (issue 8)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import app_command, main

REPO = Path(__file__).resolve().parent.parent
START_S = 120.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_the_address_is_printed_once_listening_and_a_signal_stops_the_server(stop_signal):
    pytest.importorskip("solara", reason="needs the app extra: pip install -e '.[app]'")
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "sim.cli", "app", "--port", str(port)],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, start_new_session=True)
    servers: list[int] = []
    try:
        deadline = time.monotonic() + START_S
        line = ""
        while time.monotonic() < deadline and process.poll() is None:
            line = process.stdout.readline()
            if "regsim workshop dashboard:" in line:
                break
        assert f"http://127.0.0.1:{port}/" in line, line
        assert _listening(port), "the address was printed before the server listened"
        servers = _children(process.pid)
        assert servers, "no server process"
        process.send_signal(stop_signal)
        process.wait(timeout=30)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (
                _listening(port) or any(Path(f"/proc/{s}").exists() for s in servers)):
            time.sleep(0.2)
        assert not _listening(port), "the server still listens"
        assert not [s for s in servers if Path(f"/proc/{s}").exists()], "the server outlived it"
    finally:
        for pid in servers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def test_a_port_in_use_is_refused_before_any_address_is_printed(monkeypatch):
    monkeypatch.setattr(app_command, "_missing_packages", lambda: [])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["app", "--port", str(port)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (f"error: port {port} on 127.0.0.1 is already in use; choose "
                             "another --port\n")


def test_without_the_app_extra_it_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(app_command, "_missing_packages", lambda: ["solara"])
    result = CliRunner().invoke(main, ["app"])
    assert result.exit_code == 2
    assert "pip install -e '.[app]'" in result.stderr
    assert "regsim[app]" not in result.stderr  # regsim is not on the package index
