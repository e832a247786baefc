"""Refuse requests that a web page elsewhere makes to the dashboard (DNS rebinding, cross-site
websockets).

A page on another site can make the browser talk to a server on 127.0.0.1: with a websocket
(browsers send it with that site's `Origin`), or by pointing its own domain name at 127.0.0.1
(DNS rebinding: the requests then carry that domain in `Host`). The dashboard answers only
requests whose `Host` names this server (a loopback name, or the address `regsim app --host`
opened on purpose) and whose `Origin`, when a browser sends one, is this server itself. A
server opened on every interface (`--host 0.0.0.0`) cannot know the names it is reached by: it
takes any `Host` but still requires the `Origin` to be the `Host` (no cross-site websocket).

Plain ASGI middleware (no Starlette import), so the checks are testable without a server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::"})
POLICY_VIOLATION = 1008
"""Websocket close code for a refused connection (the handshake then fails with HTTP 403)."""

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def allowed_hosts(host: str) -> frozenset[str] | None:
    """The host names requests may carry for a server listening on `host`; None: any (every
    interface, opened on purpose)."""
    name = host.strip("[]").lower()
    if name in WILDCARD_HOSTS:
        return None
    return LOOPBACK_NAMES | {name}


def _name_and_port(authority: str) -> tuple[str, int | None] | None:
    """('host', port) of a `Host` value or an origin's authority; None if malformed."""
    try:
        parts = urlsplit("//" + authority)
        name, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not name or parts.username is not None or parts.path or parts.query:
        return None
    return name.lower(), port


def host_allowed(host_header: str | None, hosts: frozenset[str] | None, port: int) -> bool:
    """Whether a `Host` header names this server (a missing port means the scheme's, never
    ours: refused unless we listen on 80)."""
    if not host_header:
        return False
    found = _name_and_port(host_header)
    if found is None:
        return False
    name, given_port = found
    if (given_port or 80) != port:
        return False
    return hosts is None or name in hosts


def origin_allowed(origin: str | None, host_header: str | None) -> bool:
    """Whether a browser's `Origin` is this server as the request reached it (same origin as
    the `Host`); no `Origin` (not a browser, or a same-origin GET) is allowed."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not host_header:
        return False
    served = _name_and_port(host_header)
    return served is not None and _name_and_port(parts.netloc) == served


class OriginGuard:
    """ASGI middleware: HTTP requests and websockets with a foreign `Host` or `Origin` get
    403 (HTTP) or a refused handshake (websocket); everything else passes to `app`."""

    def __init__(self, app: Callable[..., Awaitable[None]], host: str, port: int) -> None:
        self.app = app
        self.hosts = allowed_hosts(host)
        self.port = port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not self.allows(scope.get("headers", [])):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": POLICY_VIOLATION})
            else:
                await _forbidden(send)
            return
        await self.app(scope, receive, send)

    def allows(self, raw_headers: Iterable[tuple[bytes, bytes]]) -> bool:
        headers: dict[str, list[str]] = {}
        for key, value in raw_headers:
            headers.setdefault(key.decode("latin-1").lower(), []).append(
                value.decode("latin-1"))
        hosts, origins = headers.get("host", []), headers.get("origin", [])
        if len(hosts) != 1 or len(origins) > 1:
            return False
        host = hosts[0]
        return (host_allowed(host, self.hosts, self.port)
                and origin_allowed(origins[0] if origins else None, host))


async def _forbidden(send: Send) -> None:
    body = b"forbidden: this dashboard answers only its own address\n"
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
