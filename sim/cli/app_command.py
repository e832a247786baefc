"""`regsim app`: serve the workshop dashboard (Solara) on this machine, offline.

The page lives in `sim.dashboard.app`; this command checks the scenario and `--host`, then
runs the server (`sim.dashboard.serve`) in a subprocess bound to 127.0.0.1 unless `--host`
says otherwise, with Solara's telemetry off (nothing leaves the machine) and no browser opened.
The server's interpreter runs with `-P` in the package's folder, so no file in the working
directory can stand in for a module (a `solara.py` there used to run instead of Solara). It
prints the address once the server listens; it stops the server when it is itself stopped
(Ctrl+C: one line, exit 130; SIGTERM; on Linux also if it is killed), and exits 1 with one line
if the server stops by itself.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import ipaddress
import os
import re
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import click

from sim.cli.common import (
    INTERRUPTED_EXIT_STATUS,
    RUN_FAILURE_EXIT_STATUS,
    bad_input,
    load_or_exit,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
SERVER_MODULE = "sim.dashboard.serve"
APP_PACKAGES = ("solara",)
WILDCARD_HOSTS = ("0.0.0.0", "::")
LISTEN_POLL_S = 0.2
STOP_TIMEOUT_S = 10.0
KERNEL_CULL_TIMEOUT = "2m"
"""How long a page's session (its Solara kernel, ~8 MiB) outlives the page's connection:
a page that closes without saying so (a crashed or killed browser) is culled after this;
Solara's default kept it 24 h. Assumption: 2 minutes covers a projector laptop's brief network
loss (range 1-10 min); a closed tab ends its session at once. SOLARA_KERNEL_CULL_TIMEOUT in
the environment overrides it."""
PR_SET_PDEATHSIG = 1  # linux/prctl.h
_HOST_NAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                        r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?")


def server_command(host: str, port: int) -> list[str]:
    """The command line that serves the dashboard page: `-P` keeps the working directory off
    `sys.path` (the server also runs in the package's folder, see `server_folder`)."""
    return [sys.executable, "-P", "-m", SERVER_MODULE, host, str(port)]


def server_folder() -> str:
    """The server's working directory: the installed package's own folder, never the user's
    (Solara reads a `.env` file from the working directory)."""
    import sim

    return os.path.dirname(os.path.abspath(sim.__file__))


def server_environment(scenario_path: str) -> dict[str, str]:
    """This process's environment plus the scenario to open, Solara's telemetry off, its
    "runs on Solara" banner hidden (no chrome in front of the room) and its hook linter off."""
    from sim.dashboard.workshop import SCENARIO_ENV_VAR

    env = dict(os.environ)
    env[SCENARIO_ENV_VAR] = scenario_path
    if env.get("PYTHONPATH"):  # relative entries would name the server's folder, not the user's
        kept = [entry for entry in env["PYTHONPATH"].split(os.pathsep) if os.path.isabs(entry)]
        env["PYTHONPATH"] = os.pathsep.join(kept)
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", KERNEL_CULL_TIMEOUT)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"  # offline: nothing leaves the machine
    env["SOLARA_CHECK_HOOKS"] = "off"  # components built in loops trip Solara's hook linter
    env["SOLARA_THEME_SHOW_BANNER"] = "False"
    # A plain-http loopback server cannot set samesite=none cookies; Solara falls back to lax.
    quiet = "ignore:Cookies with samesite=none require https:UserWarning"
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), quiet]))
    return env


def url_of(host: str, port: int) -> str:
    """The address to open in a browser (a wildcard host is reached on loopback here)."""
    if host in WILDCARD_HOSTS:
        host = "::1" if host == "::" else "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def checked_host(host: str) -> str:
    """`--host` as an address or a host name; exits 2 with one line if it is neither."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not _HOST_NAME.fullmatch(host):
        bad_input(f"--host: expected an IP address or a host name, found {host!r}")
    return host.lower()


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host` (127.0.0.0/8, ::1, names that resolve only
    to those); a name that does not resolve is not loopback."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return False
        return bool(found) and all(is_loopback(entry[4][0].split("%")[0]) for entry in found)
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


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
@click.option("--role-sheets", "role_sheets", type=click.Path(file_okay=False), default=None,
              help="Write the game's printable role sheets (HTML) for SCENARIO into this folder "
              "and exit, without serving.")
def app(scenario: str, host: str, port: int, role_sheets: str | None) -> None:
    """Serve the workshop dashboard for SCENARIO (default: baseline) in the browser."""
    host = checked_host(host)
    _, path = load_or_exit(scenario)
    if role_sheets is not None:
        _write_role_sheets(os.path.abspath(path), role_sheets)
        return
    missing = _missing_packages()
    if missing:
        bad_input(f"the dashboard needs {', '.join(missing)}: install the app extra in "
                  f"regsim's folder with pip install -e '.[app]'")
    _check_resolves(host, port)
    if host in WILDCARD_HOSTS:
        click.echo("warning: listening on every network interface: other machines can reach "
                   "the dashboard", err=True)
    elif not is_loopback(host):
        click.echo(f"warning: listening on {host}: other machines can reach the dashboard",
                   err=True)
    _check_port_free(host, port)
    env = server_environment(os.path.abspath(path))
    try:
        server = subprocess.Popen(server_command(host, port), env=env, cwd=server_folder(),
                                  start_new_session=True,  # Ctrl+C reaches this command only
                                  preexec_fn=_die_with_parent)  # no threads here yet
    except OSError as error:
        click.echo(f"error: could not start the server: {error}", err=True)
        raise SystemExit(RUN_FAILURE_EXIT_STATUS) from None
    _serve(server, host, port)


def _write_role_sheets(path: str, folder: str) -> None:
    """Write the role sheets of the scenario at `path` into `folder`; exit 1 with one line if
    the folder cannot be written."""
    from pathlib import Path

    from sim.dashboard.role_sheets import write_role_sheets
    from sim.dashboard.workshop import load_workshop

    try:
        written = write_role_sheets(load_workshop(path), Path(folder))
    except OSError as error:
        click.echo(f"error: could not write the role sheets to {folder}: {error.strerror or error}",
                   err=True)
        raise SystemExit(RUN_FAILURE_EXIT_STATUS) from None
    click.echo(f"wrote {len(written)} role sheet files to {folder} (open role-sheets.html and "
               "print it to PDF)")


def _check_resolves(host: str, port: int) -> None:
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        bad_input(f"--host: cannot resolve {host!r} to an address of this machine")


def _serve(server: subprocess.Popen, host: str, port: int) -> None:
    """Print the address once the server listens; stop the server when this command is
    interrupted (exit 130, one line) or terminated (SIGTERM, exit 0). A server that stops by
    itself is an error: one line, exit 1."""
    stopped_by: list[int] = []

    def stop(signum: int, frame: Any) -> None:
        stopped_by.append(signum)
        _terminate(server)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        announced = False
        while server.poll() is None:
            if not announced and not stopped_by and _listening(host, port):
                click.echo(f"regsim workshop dashboard: {url_of(host, port)}  (Ctrl+C to stop)")
                announced = True
            time.sleep(LISTEN_POLL_S)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _terminate(server)
    if signal.SIGINT in stopped_by:
        click.echo("regsim app: stopped (Ctrl+C)", err=True)
        raise SystemExit(INTERRUPTED_EXIT_STATUS)
    if stopped_by:
        return
    when = "while serving" if announced else "before it listened"
    click.echo(f"error: the dashboard server stopped {when} (exit status {server.returncode}); "
               "see the lines above", err=True)
    raise SystemExit(RUN_FAILURE_EXIT_STATUS)


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
