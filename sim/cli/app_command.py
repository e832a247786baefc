"""`regsim app`: serve the workshop dashboard (Solara) on this machine, offline.

The page lives in `sim.presentation.app`; this command checks the scenario, then runs
`solara run sim.presentation.app` in a subprocess bound to 127.0.0.1 unless `--host` says
otherwise, with Solara's telemetry and version check off (nothing leaves the machine) and no
browser opened, and prints the address.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import click

from sim.cli.common import BAD_INPUT_EXIT_STATUS, bad_input, load_or_exit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
PAGE_MODULE = "sim.presentation.app"
APP_PACKAGES = ("solara",)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


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
        bad_input(f"the dashboard needs {', '.join(missing)}: pip install 'regsim[app]'")
    if host not in LOOPBACK_HOSTS:
        click.echo(f"warning: listening on {host}: other machines can reach the dashboard",
                   err=True)
    click.echo(f"regsim workshop dashboard: {url_of(host, port)}  (Ctrl+C to stop)")
    env = server_environment(os.path.abspath(path))
    try:
        completed = subprocess.run(solara_command(host, port), env=env, check=False)
    except KeyboardInterrupt:
        return
    except OSError as error:
        click.echo(f"error: could not start the server: {error}", err=True)
        raise SystemExit(BAD_INPUT_EXIT_STATUS) from None
    if completed.returncode not in (0, -2, 130):
        raise SystemExit(1)
