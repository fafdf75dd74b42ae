"""`kiosk serve` beyond this PC, for real: HTTPS with a certificate the kiosk made (Chromium trusts exactly that one,
pinned by its key, as a school checks the fingerprint once), two browser sessions at two desks of the school's, each
signed in and handing a phone in, and the audit trail saying which desk did what. Also: no plain HTTP beyond
loopback unless asked for, a desk that is not the school's refused, names on the first page as text, and the
keyboard back in the kiosk after a click elsewhere on the page. And the same member of staff at two desks: warned at
the second, which locks the first when they say so; the idle lock, in the browser; each session's id in the trail."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.audit import verify
from kiosk.auth.desk_sessions import TAKEN_OVER
from kiosk.certificates import CertificateProblem, make_self_signed, server_context
from kiosk.cli import main
from kiosk.db import Custody, Event, Tag
from kiosk.serve import chosen_desk, desk_choice_page, needs_tls, session_command
from tests.conftest import HEAD_PIN, OFFICE_PIN
from tests.helpers import flat, free_port, wait_until
from tests.serve_support import (
    chromium_driver,
    committed,
    get,
    kiosk_serve,
    terminal_length,
    terminal_text,
    type_into_terminal,
)

DESKS = ["Reception", "Student Services"]
IDLE_LOCK_SECONDS = 30  # kiosk.toml's idle_lock_seconds for these tests (the office's default is 120)


@pytest.fixture
def https_server(school, tmp_path):
    """`kiosk serve --cert --key` on a loopback port with two desks in kiosk.toml (a real child process)."""
    settings = f'desks = ["Reception", "Student Services"]\nidle_lock_seconds = {IDLE_LOCK_SECONDS}\n'
    with kiosk_serve(school, tmp_path, cert=True, settings=settings) as served:
        yield served


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


def sign_in(driver, initials: str, pin: str, log: Path) -> None:
    """Initials, then the PIN, typed as a person types, until the sign-in reaches the database."""
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


def sign_in_and_hand_in(driver, initials: str, pin: str, code: str, log: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    sign_in(driver, initials, pin, log)
    time.sleep(0.5)
    type_into_terminal(driver, "KXHANDIN" + Keys.ENTER)  # the desk card's HAND IN, whatever the hour
    time.sleep(0.5)
    type_into_terminal(driver, code + Keys.ENTER)
    assert wait_until(lambda: committed(
        lambda: Custody.select().join(Tag).where(Tag.code == code).exists()), timeout=20), \
        f"the phone was never handed in:\n{log.read_text(errors='replace')}"


def test_two_browser_sessions_over_https_at_two_desks_each_recorded_at_its_own(school, https_server, tmp_path):
    url, log = https_server.url, https_server.log
    status, page = get(url + "/?desk=Nowhere", cafile=https_server.cert)
    assert status == 404 and "no desk called Nowhere" in page
    first, second = chromium_driver(tmp_path, served=https_server), chromium_driver(tmp_path, served=https_server)
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


def page_words(driver, since: int = 0) -> str:
    """The words the page's terminal was sent since `since`, wrapped lines joined (panel borders left out)."""
    return flat(re.sub(r"[┃│╭╮╰╯─━┏┓┗┛]", " ", terminal_text(driver, since=since)))


def latest(action: str, desk: str):
    return committed(lambda: Event.select().where((Event.action == action) & (Event.desk == desk))
                     .order_by(Event.seq.desc()).first())


def test_signed_in_at_two_desks_is_warned_takes_over_and_the_idle_lock_works_in_the_browser(
        school, https_server, tmp_path):
    """The same member of staff signs in at Reception, then at Student Services: the second page asks; yes locks the
    Reception page within a few seconds; left alone, the Student Services page shows the lock screen after the
    idle timeout; the trail names two sessions, one under each desk's name."""
    from selenium.webdriver.common.keys import Keys

    log = https_server.log
    before = committed(lambda: Event.select().count())
    reception, services = (chromium_driver(tmp_path, served=https_server),
                           chromium_driver(tmp_path, served=https_server))
    try:
        open_desk(reception, https_server.url, "Reception")
        open_desk(services, https_server.url, "Student Services")
        sign_in(reception, "AA", OFFICE_PIN, log)
        assert latest("SIGNED_IN", "Reception") is not None

        asked_from = terminal_length(services)
        sign_in(services, "AA", OFFICE_PIN, log)  # the PIN matched: recorded, then the question
        assert wait_until(lambda: "Sign in here and lock that desk?" in page_words(services, asked_from),
                          timeout=20), f"no question at the second desk:\n{page_words(services, asked_from)}"
        assert "You are signed in at Reception since" in page_words(services, asked_from)
        assert latest("SESSION_TAKEN_OVER", "Student Services") is None, "nothing is taken over before yes"

        locked_from = terminal_length(reception)
        time.sleep(0.5)
        type_into_terminal(services, "y" + Keys.ENTER, gap=0.2)
        assert wait_until(lambda: latest("SESSION_TAKEN_OVER", "Student Services") is not None, timeout=20), \
            f"the take-over was never recorded:\n{log.read_text(errors='replace')}"
        taken_at = time.monotonic()
        # Reception reads its own row at its next session check (every 2 s) and locks itself, saying why.
        assert wait_until(lambda: "and chose to lock this desk" in page_words(reception, locked_from), timeout=20), \
            f"the Reception page never locked:\n{page_words(reception, locked_from)}"
        lock_took = time.monotonic() - taken_at
        out = latest("SIGNED_OUT", "Reception")
        assert out is not None and TAKEN_OVER in out.payload_json
        assert "Desk locked" in page_words(reception, locked_from)

        # Student Services is signed in; nobody touches it: the page shows the lock screen after the idle timeout.
        idle_from = terminal_length(services)
        opened_at = time.monotonic()
        assert wait_until(lambda: "Desk locked" in page_words(services, idle_from),
                          timeout=IDLE_LOCK_SECONDS + 30), "the Student Services page never locked when idle"
        idle_took = time.monotonic() - opened_at
        out = latest("SIGNED_OUT", "Student Services")
        assert out is not None and '"reason":"idle"' in out.payload_json
        print(f"Reception locked {lock_took:.1f} s after the take-over was recorded; Student Services locked "
              f"{idle_took:.1f} s after its desk opened (idle_lock_seconds = {IDLE_LOCK_SECONDS})")
    finally:
        reception.quit()
        services.quit()
    assert idle_took >= IDLE_LOCK_SECONDS - 5, "locked for being idle, not for something else"

    # The trail: two sessions, each under its own desk's name, and the chain verifies with both.
    events = committed(lambda: list(Event.select().where(Event.action.in_(
        ("SIGNED_IN", "SIGNED_OUT", "SESSION_TAKEN_OVER")) & (Event.seq > before))))
    sessions: dict[str, set[str | None]] = {}
    for event in events:
        sessions.setdefault(event.desk, set()).add(event.session)
    assert set(sessions) == {"Reception", "Student Services"}
    assert all(len(ids) == 1 and None not in ids for ids in sessions.values()), sessions
    assert sessions["Reception"] != sessions["Student Services"]
    taken = latest("SESSION_TAKEN_OVER", "Student Services")
    assert f'"locked_session":"{next(iter(sessions["Reception"]))}"' in taken.payload_json
    assert verify(school.keyring.audit_key).ok


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
