"""`kiosk serve`: the same kiosk in a web browser on a second PC. Each browser tab runs its own `kiosk run`
process through textual-serve, so it opens at the lock screen and every sign-in, lock and audit rule applies.

Only loopback by default. Bound to another address it says loudly that PINs and pupils' names then cross the
network without encryption. Whatever the address, a page from another site may not drive the kiosk (the
websocket's Origin must be the kiosk's own), and on loopback a request must name a loopback host (so a
DNS-rebinding page cannot reach it either). The page loads nothing from the internet (no web fonts).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import shlex
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TITLE = "Phone custody kiosk"
_WEB_FONTS = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>\s*", re.IGNORECASE)

log = logging.getLogger("kiosk.serve")


class ServeUnavailable(Exception):
    """textual-serve is not installed; the message says how to install it."""


def is_loopback(host: str) -> bool:
    """127.0.0.1, ::1, localhost: reachable from this PC only."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def url_for(host: str, port: int) -> str:
    """The address to type into the browser. A wildcard bind is reached by this PC's own name."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def exposure_warning(host: str, port: int) -> str | None:
    """What to tell the person starting the server when it is reachable from other computers, or None."""
    if is_loopback(host):
        return None
    return (f"WARNING: the kiosk is being served on {host}:{port}, reachable from other computers, not only "
            "this one. Staff PINs and pupils' names will cross the network UNENCRYPTED (plain HTTP), and "
            "anyone who can reach this address gets the sign-in screen. Use this only on the school's own "
            "trusted network, preferably behind an HTTPS reverse proxy, and stop it (Ctrl+C) when it is not "
            "needed. For this PC only, use --host 127.0.0.1 (the default).")


def kiosk_command(*, config: str | None) -> str:
    """The command each browser session runs: this same Python and settings file. The database and the desk
    go in the environment (session_environment), so a database password never shows in a process list."""
    command = [sys.executable, "-m", "kiosk.cli"]
    if config:
        command += ["--config", config]
    return shlex.join([*command, "run"])


def session_environment(*, database: str, desk: str) -> dict[str, str]:
    """What every browser session's kiosk process inherits (textual-serve copies this process's environment)."""
    return {"KIOSK_DB": database, "KIOSK_DESK": desk}


def _host_only(netloc: str) -> str:
    """'127.0.0.1:8000' -> '127.0.0.1', '[::1]:8000' -> '::1'."""
    return urlsplit(f"//{netloc}").hostname or ""


def refusal(*, bound_to: str, host_header: str, origin: str | None) -> str | None:
    """Why a request must be refused, or None. A cross-site page must never reach the kiosk."""
    if is_loopback(bound_to) and not is_loopback(_host_only(host_header)):
        return f"this kiosk answers only to a loopback address, not {host_header!r}"
    if origin and origin != "null" and urlsplit(origin).netloc.lower() != host_header.lower():
        return f"a page from {origin} may not open the kiosk"
    return None


def make_server(*, command: str, host: str, port: int, title: str = TITLE) -> Any:
    """A textual-serve Server that runs `command` per browser session (ServeUnavailable when not installed)."""
    try:
        import aiohttp_jinja2
        import jinja2
        from aiohttp import web
        from textual_serve.server import Server
    except ImportError as exc:
        raise ServeUnavailable("kiosk serve needs textual-serve: pip install textual-serve") from exc

    class KioskServer(Server):
        """textual-serve with the kiosk's checks: same-origin websockets, loopback Host names, no web fonts,
        and URLs taken from the request (so a wildcard bind works from another PC)."""

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            template = (Path(self.templates_path) / "app_index.html").read_text(encoding="utf-8")
            aiohttp_jinja2.setup(app, loader=jinja2.DictLoader({"app_index.html": _WEB_FONTS.sub("", template)}))
            return app

        def _refuse(self, request: web.Request) -> web.Response | None:
            problem = refusal(bound_to=self.host, host_header=request.host, origin=request.headers.get("Origin"))
            if problem is None:
                return None
            log.warning("refused %s %s: %s", request.method, request.path, problem)
            return web.Response(status=403, text=f"Refused: {problem}.")

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            refused = self._refuse(request)
            if refused is not None:
                return refused
            base = f"{request.scheme}://{request.host}"
            socket_scheme = "wss" if request.scheme == "https" else "ws"
            try:
                font_size = int(request.query.get("fontsize", "16"))
            except ValueError:
                font_size = 16
            context = {"font_size": font_size, "app_websocket_url": f"{socket_scheme}://{request.host}/ws",
                       "config": {"static": {"url": f"{base}/static/"}}, "application": {"name": self.title}}
            return aiohttp_jinja2.render_template("app_index.html", request, context)

        async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
            refused = self._refuse(request)
            if refused is not None:
                return refused
            return await super().handle_websocket(request)

        async def on_startup(self, app: web.Application) -> None:
            self.console.print(f"Serving the kiosk on {url_for(self.host, self.port)}  "
                               "(each browser tab opens its own desk, at the lock screen). Ctrl+C stops.",
                               highlight=False)

    return KioskServer(command, host=host, port=port, title=title)
