"""`regsim app`: serve the workshop dashboard (Solara) on this machine, offline.

The page lives in `sim.presentation.app`; this command checks the scenario, then runs
`solara run sim.presentation.app` in a subprocess bound to 127.0.0.1 unless `--host` says
otherwise, with Solara's telemetry and version check off (nothing leaves the machine) and no
browser opened. It prints the address once the server listens, and stops the server when it is
itself stopped (Ctrl+C, SIGTERM; on Linux also if it is killed).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import click

from sim.cli.common import BAD_INPUT_EXIT_STATUS, RUN_FAILURE_EXIT_STATUS, bad_input, load_or_exit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
PAGE_MODULE = "sim.presentation.app"
APP_PACKAGES = ("solara",)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
LISTEN_POLL_S = 0.2
STOP_TIMEOUT_S = 10.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def solara_command(host: str, port: int) -> list[str]:
    """The command line that serves the dashboard page."""
    return [sys.executable, "-m", "solara", "run", PAGE_MODULE, "--host", host,
            "--port", str(port), "--production", "--no-open", "--no-check-version"]


def server_environment(scenario_path: str) -> dict[str, str]:
    """This process's environment plus the scenario to open, Solara's telemetry off, its
    "runs on Solara" banner hidden (no chrome in front of the room) and its hook linter off."""
    from sim.presentation.workshop import SCENARIO_ENV_VAR

    env = dict(os.environ)
    env[SCENARIO_ENV_VAR] = scenario_path
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"  # offline: nothing leaves the machine
    env["SOLARA_CHECK_HOOKS"] = "off"  # components built in loops trip Solara's hook linter
    env["SOLARA_THEME_SHOW_BANNER"] = "False"
    # A plain-http loopback server cannot set samesite=none cookies; Solara falls back to lax.
    quiet = "ignore:Cookies with samesite=none require https:UserWarning"
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), quiet]))
    return env


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _missing_packages() -> list[str]:
    missing = []
    for name in APP_PACKAGES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


@click.command()
@click.argument("scenario", metavar="[SCENARIO]", default="baseline")
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on; anything but loopback exposes the dashboard to the "
              "network.")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port to listen on.")
def app(scenario: str, host: str, port: int) -> None:
    """Serve the workshop dashboard for SCENARIO (default: baseline) in the browser."""
    _, path = load_or_exit(scenario)
    missing = _missing_packages()
    if missing:
        bad_input(f"the dashboard needs {', '.join(missing)}: install the app extra in "
                  f"regsim's folder with pip install -e '.[app]'")
    if host not in LOOPBACK_HOSTS:
        click.echo(f"warning: listening on {host}: other machines can reach the dashboard",
                   err=True)
    _check_port_free(host, port)
    env = server_environment(os.path.abspath(path))
    try:
        server = subprocess.Popen(solara_command(host, port), env=env,
                                  preexec_fn=_die_with_parent)  # no threads here yet
    except OSError as error:
        click.echo(f"error: could not start the server: {error}", err=True)
        raise SystemExit(BAD_INPUT_EXIT_STATUS) from None
    returncode = _serve(server, host, port)
    if returncode not in (0, -2, -15, 130, 143):
        raise SystemExit(1)


def _serve(server: subprocess.Popen, host: str, port: int) -> int:
    """Print the address once the server listens; stop the server when this command is
    interrupted or terminated (Ctrl+C, `kill`). Returns the server's exit status."""
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        _terminate(server)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        announced = False
        while server.poll() is None:
            if not announced and not stopping and _listening(host, port):
                click.echo(f"regsim workshop dashboard: {url_of(host, port)}  (Ctrl+C to stop)")
                announced = True
            time.sleep(LISTEN_POLL_S)
        return server.returncode
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _terminate(server)


def _terminate(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _check_port_free(host: str, port: int) -> None:
    """Exit at once if something already listens on the port (the URL would be another's)."""
    if _listening(host, port):
        click.echo(f"error: port {port} on {host} is already in use; choose another --port",
                   err=True)
        raise SystemExit(RUN_FAILURE_EXIT_STATUS)


def _listening(host: str, port: int) -> bool:
    """Whether a server accepts connections at host:port (0.0.0.0 is probed on loopback)."""
    probe = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    try:
        with socket.create_connection((probe, port), timeout=0.5):
            return True
    except OSError:
        return False


def _die_with_parent() -> None:
    """In the server process before it starts: get SIGTERM if this command dies (Linux)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
