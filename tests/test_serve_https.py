"""`kiosk serve` beyond this PC, for real: HTTPS with a certificate the kiosk made (Chromium trusts exactly that one,
pinned by its key, as a school checks the fingerprint once), two browser sessions at two desks of the school's, each
signed in and handing a phone in, and the audit trail saying which desk did what. Also: no plain HTTP beyond
loopback unless asked for, a desk that is not the school's refused, names on the first page as text, and the
keyboard back in the kiosk after a click elsewhere on the page."""

from __future__ import annotations

import base64
import hashlib
import ssl
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.certificates import CertificateProblem, make_self_signed, server_context
from kiosk.cli import main
from kiosk.db import Custody, Event, Tag
from kiosk.serve import chosen_desk, desk_choice_page, needs_tls, session_command
from tests.conftest import HEAD_PIN, OFFICE_PIN
from tests.helpers import free_port, wait_until
from tests.test_serve_browser import chromium_driver, committed, type_into_terminal

DESKS = ["Reception", "Student Services"]


def https_get(url: str, cafile: Path) -> tuple[int, str]:
    context = ssl.create_default_context(cafile=str(cafile))
    try:
        with urllib.request.urlopen(url, timeout=5, context=context) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def spki_pin(cert: Path) -> str:
    """What Chromium's --ignore-certificate-errors-spki-list takes: the certificate's public key, hashed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    key = x509.load_pem_x509_certificate(cert.read_bytes()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


@pytest.fixture
def https_server(school, tmp_path):
    """`kiosk serve --cert --key` on a loopback port with two desks in kiosk.toml (a real child process)."""
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "kiosk.toml").write_text('desks = ["Reception", "Student Services"]\n')
    cert, key = tmp_path / "tls" / "kiosk-serve.crt", tmp_path / "tls" / "kiosk-serve.key"
    make_self_signed(cert, key, now=datetime.now(UTC))
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--db", str(school.path), "serve",
                                    "--port", str(port), "--cert", str(cert), "--key", str(key)],
                                   stdout=out, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parent.parent)
    url = f"https://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return https_get(url + "/", cert)[0] == 200
        except OSError:
            return False

    try:
        if not wait_until(up, timeout=30):
            raise AssertionError(f"kiosk serve did not answer on {url}:\n{log.read_text(errors='replace')}")
        yield url, cert, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def open_desk(driver, url: str, desk: str):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    driver.set_page_load_timeout(30)
    driver.get(url + "/")
    assert desk in driver.page_source, "the first page offers the school's desks"
    driver.find_element(By.LINK_TEXT, desk).click()
    assert wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, ".xterm-helper-textarea"), timeout=30), \
        "the terminal never appeared in the page"
    time.sleep(2.0)  # the kiosk process starts at the lock screen

    def page_ready() -> bool:
        try:
            driver.find_element(By.TAG_NAME, "body").click()  # a click anywhere but the terminal…
            return True
        except WebDriverException:
            return False

    assert wait_until(page_ready, timeout=30)
    # …and the keyboard is the kiosk's again within the page's refocus (no click on the terminal here).
    assert wait_until(lambda: driver.execute_script(
        "return document.activeElement && document.activeElement.classList.contains('xterm-helper-textarea')"),
        timeout=5), "a click on the page left the keyboard outside the kiosk"


def sign_in_and_hand_in(driver, initials: str, pin: str, code: str, log: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    def signed_in(before: int) -> bool:
        return wait_until(lambda: committed(
            lambda: Event.select().where(Event.action == "SIGNED_IN").count() > before), timeout=15)

    before = committed(lambda: Event.select().where(Event.action == "SIGNED_IN").count())
    for attempt in range(2):
        # Typed as a person types. On a loaded machine the browser may deliver a person's keys bunched together,
        # which the lock screen rightly refuses as a scan (35 ms rule, docs/scanning.md); a person seeing the
        # refusal starts again with Esc, and so does this test, once.
        type_into_terminal(driver, Keys.ESCAPE + initials + Keys.ENTER, gap=0.2)
        time.sleep(0.5)
        type_into_terminal(driver, pin + Keys.ENTER, gap=0.2)
        if signed_in(before):
            break
        assert attempt == 0, f"the sign-in never reached the database:\n{log.read_text(errors='replace')}"
    time.sleep(0.5)
    type_into_terminal(driver, "KXHANDIN" + Keys.ENTER)  # the desk card's HAND IN, whatever the hour
    time.sleep(0.5)
    type_into_terminal(driver, code + Keys.ENTER)
    assert wait_until(lambda: committed(
        lambda: Custody.select().join(Tag).where(Tag.code == code).exists()), timeout=20), \
        f"the phone was never handed in:\n{log.read_text(errors='replace')}"


def test_two_browser_sessions_over_https_at_two_desks_each_recorded_at_its_own(school, https_server, tmp_path):
    url, cert, log = https_server
    status, page = https_get(url + "/?desk=Nowhere", cert)
    assert status == 404 and "no desk called Nowhere" in page
    flags = (f"--ignore-certificate-errors-spki-list={spki_pin(cert)}",)
    first, second = chromium_driver(tmp_path, *flags), chromium_driver(tmp_path, *flags)
    zoe, other = school.pupils[0], school.pupils[1]
    try:
        open_desk(first, url, "Reception")
        open_desk(second, url, "Student Services")
        sign_in_and_hand_in(first, "AA", OFFICE_PIN, school.tag_of(zoe), log)
        sign_in_and_hand_in(second, "HG", HEAD_PIN, school.tag_of(other), log)
    finally:
        first.quit()
        second.quit()
    desks = {event.desk for event in committed(lambda: list(Event.select().where(Event.action == "HANDED_IN")))}
    assert desks == {"Reception", "Student Services"}
    by_pupil = {event.pupil_id: event.desk for event in Event.select().where(Event.action == "HANDED_IN")}
    assert by_pupil == {zoe.id: "Reception", other.id: "Student Services"}


def test_no_plain_http_beyond_this_pc_unless_asked_and_a_bad_certificate_is_named(school, tmp_path, capsys):
    code = main(["--db", str(school.path), "serve", "--host", "0.0.0.0", "--port", str(free_port())])
    assert code == 1 and "Refusing to serve on 0.0.0.0 without HTTPS" in capsys.readouterr().err
    assert needs_tls("127.0.0.1", tls=False, insecure=False) is None
    assert needs_tls("0.0.0.0", tls=True, insecure=False) is None
    assert needs_tls("0.0.0.0", tls=False, insecure=True) is None
    cert, key = tmp_path / "a.crt", tmp_path / "a.key"
    now = datetime.now(UTC)
    made = make_self_signed(cert, key, now=now, names=("office-pc.school.local", "192.0.2.7"))
    assert "office-pc.school.local" in made.names and "192.0.2.7" in made.names
    assert key.stat().st_mode & 0o077 == 0, "the private key is this account's alone"
    other_cert, other_key = tmp_path / "b.crt", tmp_path / "b.key"
    make_self_signed(other_cert, other_key, now=now)
    with pytest.raises(CertificateProblem, match="is not the private key of a.crt"):
        server_context(cert, other_key, now=now)
    with pytest.raises(CertificateProblem, match="expired"):
        server_context(cert, key, now=now + timedelta(days=900))
    with pytest.raises(CertificateProblem, match="not a PEM certificate"):
        server_context(key, key, now=now)


def test_desk_names_are_the_schools_and_are_text_on_the_page():
    assert chosen_desk(DESKS, "student services") == "Student Services"
    assert chosen_desk(DESKS, "Head's office") is None
    assert chosen_desk(DESKS, None) is None and chosen_desk(["Reception"], None) == "Reception"
    page = desk_choice_page(["<script>alert(1)</script>"], title="Kiosk", unknown="<img src=x>")
    assert "<script>alert" not in page and "<img" not in page and "&lt;script&gt;" in page
    command = session_command("python -m kiosk.cli --config 'C:/Kiosk/kiosk.toml' run", "Student Services")
    assert command.endswith("--desk 'Student Services' run")
