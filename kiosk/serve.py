"""`kiosk serve`: the same kiosk in a web browser on a second PC. Each browser tab runs its own `kiosk run`
process through textual-serve, so it opens at the lock screen and every sign-in, lock and audit rule applies.

Only loopback by default. Bound to another address it needs HTTPS (`--cert`/`--key`, or a self-signed certificate
from kiosk/certificates.py), unless `--insecure` is given, when it says loudly that PINs and pupils' names cross
the network without encryption. Whatever the address, a page from another site may not drive the kiosk (the
websocket's Origin must be the kiosk's own), and on loopback a request must name a loopback host (so a
DNS-rebinding page cannot reach it either). The page loads nothing from the internet (no web fonts), and keeps
the keyboard in the kiosk whatever is clicked (a scanner's keys must never land in the page instead).

Each browser session is a desk of its own name: chosen from the school's desks (`desks` in kiosk.toml) on a
first page, or given in the address (`?desk=Student%20Services`), and recorded on every action of that session,
with the session's own id (kiosk/audit/session_id.py: each session is a process of its own). A member of staff
signed in at one session and signing in at another is asked first (kiosk/auth/desk_sessions.py); the idle lock
runs in each session as at the desk (idle_lock_seconds).
"""

from __future__ import annotations

import html
import ipaddress
import logging
import re
import shlex
import socket
import ssl
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

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


def url_for(host: str, port: int, *, tls: bool = False) -> str:
    """The address to type into the browser. A wildcard bind is reached by this PC's own name."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{'https' if tls else 'http'}://{host}:{port}"


def needs_tls(host: str, *, tls: bool, insecure: bool) -> str | None:
    """Why the server must not start as asked, or None: beyond this PC, PINs cross the network, so only over
    HTTPS unless the person starting it says --insecure on purpose."""
    if is_loopback(host) or tls or insecure:
        return None
    return (f"Refusing to serve on {host} without HTTPS: staff PINs and pupils' names would cross the network "
            "unencrypted. Give the school's certificate with --cert FILE --key FILE, or make one for this PC with "
            "`kiosk serve --make-cert FOLDER` (then check its fingerprint in the browser). Only on a network you "
            "trust completely: --insecure.")


def exposure_warning(host: str, port: int, *, tls: bool = False) -> str | None:
    """What to tell the person starting the server when it is reachable from other computers, or None."""
    if is_loopback(host):
        return None
    if tls:
        return (f"The kiosk is served over HTTPS on {host}:{port}, reachable from other computers on this "
                "network: anyone who can reach it gets the sign-in screen. Stop it (Ctrl+C) when it is not needed.")
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


def session_command(command: str, desk: str) -> str:
    """One browser session's command: the served command at the session's own desk (`--desk` comes before the
    sub-command). The desk is one of the school's names (chosen_desk), and quoted all the same."""
    words = shlex.split(command)
    return shlex.join([*words[:-1], "--desk", desk, words[-1]])


def chosen_desk(desks: Sequence[str], asked: str | None) -> str | None:
    """The desk a session asked for, if it is one of the school's; the only desk when there is one; else None
    (the first page then asks)."""
    if asked is not None:
        return next((desk for desk in desks if desk.casefold() == asked.strip().casefold()), None)
    return desks[0] if len(desks) == 1 else None


def desk_choice_page(desks: Sequence[str], *, title: str, unknown: str | None = None) -> str:
    """The first page when the school has several desks: one link per desk. Names are text, never markup."""
    items = "\n".join(f'<li><a href="/?desk={quote(desk)}">{html.escape(desk)}</a></li>' for desk in desks)
    problem = (f"<p class=problem>There is no desk called {html.escape(unknown)} here: choose one below.</p>"
               if unknown is not None else "")
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            "<style>body{font:18px system-ui,sans-serif;background:#0c181f;color:#eee;margin:3em}"
            "a{color:#ffd75f;font-size:1.4em}li{margin:.6em 0}.problem{color:#ff8787}</style></head><body>"
            f"<h1>{html.escape(title)}</h1>{problem}<p>Which desk is this?</p><ul>{items}</ul>"
            "<p>Every action in this window is recorded at the desk you choose.</p></body></html>")


# Whatever is clicked on the page, the keyboard goes back to the kiosk's terminal: a scanner types wherever the
# focus is, and a scan typed into the page's background would be lost without a word.
KEEP_FOCUS = """<script>
(function () {
  function terminal() { return document.querySelector(".xterm-helper-textarea"); }
  function refocus() { var t = terminal(); if (t && document.activeElement !== t) { t.focus(); } }
  // The page tells the kiosk it has the keyboard only on a focus event, and one that comes before the connection
  // is open is lost (over HTTPS it usually is): the kiosk would then take no key at all. So once the first
  // output has arrived (the connection is open), the terminal is focused afresh.
  new MutationObserver(function (changes, observer) {
    if (document.body.classList.contains("-first-byte")) {
      observer.disconnect();
      var t = terminal();
      if (t) { t.blur(); t.focus(); }
    }
  }).observe(document.body, {attributes: true, attributeFilter: ["class"]});
  document.addEventListener("click", function () { setTimeout(refocus, 0); }, true);
  window.addEventListener("focus", refocus);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refocus(); } });
  setInterval(refocus, 1000);
})();
</script>
"""


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


def make_server(*, command: str, host: str, port: int, title: str = TITLE, desks: Sequence[str] = ("Reception",),
                tls: ssl.SSLContext | None = None) -> Any:
    """A textual-serve Server that runs `command` per browser session, each at the desk it chose from `desks`,
    over HTTPS when `tls` is given (ServeUnavailable when textual-serve is not installed)."""
    try:
        import asyncio

        import aiohttp_jinja2
        import jinja2
        from aiohttp import web
        from textual_serve.app_service import AppService
        from textual_serve.server import Server, to_int
    except ImportError as exc:
        raise ServeUnavailable("kiosk serve needs textual-serve: pip install textual-serve") from exc

    class KioskServer(Server):
        """textual-serve with the kiosk's checks: same-origin websockets, loopback Host names, no web fonts,
        the keyboard kept in the terminal, a desk per session, HTTPS, and URLs taken from the request (so a
        wildcard bind works from another PC)."""

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            template = (Path(self.templates_path) / "app_index.html").read_text(encoding="utf-8")
            template = _WEB_FONTS.sub("", template).replace("</body>", KEEP_FOCUS + "</body>")
            aiohttp_jinja2.setup(app, loader=jinja2.DictLoader({"app_index.html": template}))
            # The session's desk is in the websocket's path: the page's script adds its own ?width=…&height=….
            app.router.add_get("/ws/{desk}", self.handle_websocket)
            return app

        def serve(self, debug: bool = False) -> None:
            # textual-serve's own serve() without TLS: the same, with the certificate (aiohttp's own TLS).
            self.debug = debug
            self.initialize_logging()
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                import signal

                loop.add_signal_handler(signal.SIGINT, self.request_exit)
                loop.add_signal_handler(signal.SIGTERM, self.request_exit)
            except (NotImplementedError, AttributeError):  # Windows: Ctrl+C stops run_app by itself
                pass
            web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False, loop=loop,
                        ssl_context=tls, print=lambda *args: None)

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
            asked = request.query.get("desk")
            desk = chosen_desk(desks, asked)
            if desk is None:
                return web.Response(text=desk_choice_page(desks, title=self.title, unknown=asked),
                                    content_type="text/html", status=200 if asked is None else 404)
            base = f"{request.scheme}://{request.host}"
            socket_scheme = "wss" if request.scheme == "https" else "ws"
            try:
                font_size = int(request.query.get("fontsize", "16"))
            except ValueError:
                font_size = 16
            context = {"font_size": font_size,
                       "app_websocket_url": f"{socket_scheme}://{request.host}/ws/{quote(desk, safe='')}",
                       "config": {"static": {"url": f"{base}/static/"}}, "application": {"name": self.title}}
            return aiohttp_jinja2.render_template("app_index.html", request, context)

        async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
            refused = self._refuse(request)
            if refused is not None:
                return refused
            desk = chosen_desk(desks, request.match_info.get("desk"))
            if desk is None:
                return web.Response(status=404, text="Refused: choose one of this school's desks first.")
            # textual-serve's own handler, with this session's command (its desk) instead of the one command.
            websocket = web.WebSocketResponse(heartbeat=15)
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            app_service: AppService | None = None
            try:
                await websocket.prepare(request)
                app_service = AppService(session_command(self.command, desk), write_bytes=websocket.send_bytes,
                                         write_str=websocket.send_str,
                                         close=websocket.close,  # type: ignore[arg-type]  # as textual-serve's own
                                         download_manager=self.download_manager, debug=self.debug)
                await app_service.start(width, height)
                try:
                    await self._process_messages(websocket, app_service)
                finally:
                    await app_service.stop()
            except asyncio.CancelledError:
                await websocket.close()
            except Exception:
                log.exception("a browser session ended with an error")
            finally:
                if app_service is not None:
                    await app_service.stop()
            return websocket

        async def on_startup(self, app: web.Application) -> None:
            self.console.print(f"Serving the kiosk on {url_for(self.host, self.port, tls=tls is not None)}  "
                               "(each browser tab opens its own desk, at the lock screen). Ctrl+C stops.",
                               highlight=False)

    return KioskServer(command, host=host, port=port, title=title)
