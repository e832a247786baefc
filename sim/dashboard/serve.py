"""The dashboard's web server, started from code: `regsim app` runs
`python -P -m sim.dashboard.serve HOST PORT` from the package's own folder.

Solara's `solara run` command (run as `python -m solara`) put the working directory first on
`sys.path`, so a `solara.py` there ran instead of Solara. Here the interpreter is started with
`-P` (nothing prepended to `sys.path`) in the package's folder (no `.env` or other file of the
user's working directory is read), and Solara's Starlette app is served by uvicorn directly,
behind `OriginGuard` (foreign `Host` and `Origin` refused: DNS rebinding, cross-site
websockets). Uvicorn stops gracefully on SIGTERM or SIGINT; the compute engine's workers are
then shut down, so no semaphore or process is left behind.
"""

from __future__ import annotations

import os
import signal
import sys

PAGE_MODULE = "sim.dashboard.app"
GRACEFUL_SHUTDOWN_S = 3
"""Seconds uvicorn waits for open pages (websockets) when stopping."""
STARTUP_FAILURE_EXIT_STATUS = 3

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"default": {"format": "regsim app server: %(levelname)s %(message)s"}},
    "handlers": {"default": {"formatter": "default", "class": "logging.StreamHandler",
                             "stream": "ext://sys.stderr"}},
    "loggers": {name: {"handlers": ["default"], "level": "ERROR", "propagate": False}
                for name in ("solara", "reacton", "uvicorn", "uvicorn.error",
                             "uvicorn.access")},
}
"""Errors only: the page reports its own problems; nothing per request."""


def main(argv: list[str]) -> int:
    """Serve the dashboard on HOST PORT until stopped; the exit status (3: did not start)."""
    for sig in (signal.SIGTERM, signal.SIGINT):  # stopped while starting: nothing to clean
        signal.signal(sig, _exit_at_once)
    host, port = argv[0], int(argv[1])
    os.environ["SOLARA_APP"] = PAGE_MODULE
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    import uvicorn
    from solara.server import settings

    settings.main.mode = "production"
    from solara.server.starlette import app

    from sim.dashboard.compute import shutdown_engine
    from sim.dashboard.origin_guard import OriginGuard

    config = uvicorn.Config(OriginGuard(app, host, port), host=host, port=port,
                            log_config=LOGGING, loop="asyncio", access_log=False,
                            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
    server = uvicorn.Server(config)

    def stop(signum: int, frame: object) -> None:
        server.should_exit = True

    # Uvicorn handles the signals while it serves, then raises the one it caught again: these
    # handlers take it (its default would kill this process before the workers are stopped,
    # leaking the pool's semaphores).
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    try:
        server.run()
    finally:
        shutdown_engine()
    return 0 if server.started else STARTUP_FAILURE_EXIT_STATUS


def _exit_at_once(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
