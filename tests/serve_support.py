"""`kiosk serve` for the browser tests, started once, one way: a real child process over the test school's database,
on a free loopback port, over plain HTTP or, with `cert=True`, HTTPS with a certificate the kiosk made (Chromium
trusts exactly that one, pinned by its key, as a school checks the fingerprint once). Also Debian's headless
Chromium driven by Selenium, keys typed into the page's terminal as a person types them, the text the page's
terminal was sent, and a fresh read of the database the kiosk's own processes write.

Chromium, chromedriver or Selenium missing: the test is skipped with the reason, unless KIOSK_REQUIRE_BROWSER=1
(.ci/run installs `chromium chromium-driver`), when it fails instead.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.db import database_proxy
from tests.helpers import free_port, wait_until

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER = "/usr/bin/chromedriver"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Served:
    """A running `kiosk serve`: its address, its output so far, and the certificate it serves (HTTPS only)."""

    url: str
    log: Path
    cert: Path | None

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def get(url: str, headers: dict[str, str] | None = None, *, cafile: Path | None = None) -> tuple[int, str]:
    """GET over HTTP, or over HTTPS trusting only `cafile`: (status, body), an error status included."""
    request = urllib.request.Request(url, headers=headers or {})
    context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
    try:
        with urllib.request.urlopen(request, timeout=5, context=context) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def kiosk_serve(school, tmp_path: Path, *, cert: bool = False, settings: str = "") -> Iterator[Served]:
    """`kiosk serve` on a free loopback port (`--cert/--key` with a certificate made here when `cert`), with
    `settings` as the school's kiosk.toml (its folder is the test's own: tests/conftest.py). Stopped afterwards."""
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    if settings:
        (config / "kiosk.toml").write_text(settings, encoding="utf-8")
    command = [sys.executable, "-m", "kiosk.cli", "--db", str(school.path), "serve"]
    certificate = None
    if cert:
        from kiosk.certificates import make_self_signed

        certificate, key = tmp_path / "tls" / "kiosk-serve.crt", tmp_path / "tls" / "kiosk-serve.key"
        make_self_signed(certificate, key, now=datetime.now(UTC))
        command += ["--cert", str(certificate), "--key", str(key)]
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([*command, "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    served = Served(url=f"{'https' if cert else 'http'}://127.0.0.1:{port}", log=log, cert=certificate)

    def up() -> bool:
        try:
            return get(served.url + "/", cafile=certificate)[0] == 200
        except OSError:
            return False

    try:
        if not wait_until(up, timeout=30):
            raise AssertionError(f"kiosk serve did not answer on {served.url}:\n{served.output()}")
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def spki_pin(cert: Path) -> str:
    """What Chromium's --ignore-certificate-errors-spki-list takes: the certificate's public key, hashed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    key = x509.load_pem_x509_certificate(cert.read_bytes()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


# Injected by the test (never served by the kiosk): every frame the page's terminal is sent, kept as text, so a test
# can see what the page shows (the terminal draws on a canvas, with no text in the page).
RECORD_TERMINAL = """
(function () {
  var Native = window.WebSocket;
  window.__terminalText = "";
  window.WebSocket = function (url, protocols) {
    var socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    socket.addEventListener("message", function (event) {
      if (typeof event.data === "string") { return; }
      var read = event.data instanceof Blob ? event.data.arrayBuffer() : Promise.resolve(event.data);
      read.then(function (buffer) { window.__terminalText += new TextDecoder().decode(buffer); });
    });
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();
"""
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")


def chromium_driver(tmp_path: Path, *extra_flags: str, served: Served | None = None):
    """A headless Chromium that talks to nothing but this machine's loopback (trusting `served`'s certificate, and
    no other, when it is HTTPS), recording what its pages' terminals are sent (terminal_text)."""
    required = os.environ.get("KIOSK_REQUIRE_BROWSER") == "1"
    browser = next((path for path in CHROMIUM if Path(path).exists()), None)
    problem = None
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        problem = "selenium is not installed (pip install -e '.[test]')"
    if problem is None and browser is None:
        problem = "Chromium is not installed (apt-get install chromium chromium-driver)"
    if problem is None and not Path(CHROMEDRIVER).exists():
        problem = "chromedriver is not installed (apt-get install chromium-driver)"
    if problem:
        if required:
            pytest.fail(f"a browser is required here (KIOSK_REQUIRE_BROWSER=1) but {problem}")
        print(f"SKIPPED: {problem}")
        pytest.skip(problem)
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.glob('chromium-profile*')))}"
    profile.mkdir()
    if served is not None and served.cert is not None:
        extra_flags = (f"--ignore-certificate-errors-spki-list={spki_pin(served.cert)}", *extra_flags)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,800", f"--user-data-dir={profile}",
                 # Nothing but this machine: any other host name fails to resolve.
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", *extra_flags):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_TERMINAL})
    return driver


def terminal_text(driver, *, since: int = 0) -> str:
    """What the page's terminal was sent from character `since` on, as plain text (escape sequences removed)."""
    sent = driver.execute_script("return window.__terminalText || ''")
    return _ESCAPES.sub("", sent[since:])


def terminal_length(driver) -> int:
    return int(driver.execute_script("return (window.__terminalText || '').length"))


def type_into_terminal(driver, text: str, *, gap: float = 0.0) -> None:
    """Keys as a scanner sends them into the page's terminal, or, with a `gap` between keys, as a person types
    (a PIN sent in one go arrives as a scanner's burst and the lock screen refuses it as a scan)."""
    from selenium.webdriver.common.action_chains import ActionChains

    if not gap:
        ActionChains(driver).send_keys(text).perform()
        return
    for key in text:
        ActionChains(driver).send_keys(key).perform()
        time.sleep(gap)


def committed(query):
    # The kiosk's own processes write; start a fresh read so this test sees their commits.
    database_proxy.obj.close()
    return query()
