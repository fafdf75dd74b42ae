"""`kiosk serve` in a real browser: Debian's headless Chromium, driven by Selenium and chromedriver, opens the
kiosk, signs in at the lock screen exactly as at the desk, and hands in one phone; the custody is in the
database. Also: loopback by default, a loud warning for any other address, and no other site's page may
drive the kiosk.

Skipped, with the reason, where Chromium, chromedriver or Selenium is missing, unless KIOSK_REQUIRE_BROWSER=1
(.ci/run installs `chromium chromium-driver`), when it fails instead.
"""

from __future__ import annotations

import io
import os
import time
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from kiosk import serve
from kiosk.db import Custody, Event, Tag, database_proxy
from tests.conftest import OFFICE_PIN
from tests.helpers import wait_until
from tests.serve_support import chromium_driver, committed, get, kiosk_serve, type_into_terminal

SHOTS = os.environ.get("KIOSK_SHOTS_DIR")


@pytest.fixture
def server(school, tmp_path):
    """`kiosk serve` on a free loopback port, over the school's database (a real child process), plain HTTP."""
    with kiosk_serve(school, tmp_path) as served:
        yield served.url, served.log


def test_signs_in_through_kiosk_serve_in_chromium_and_hands_in_one_phone(school, server, tmp_path):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, log = server
    zoe = school.pupils[0]
    code = school.tag_of(zoe)
    status, page = get(url + "/")
    assert status == 200 and "fonts.googleapis.com" not in page, "the page loads nothing from the internet"
    signed_in_before = Event.select().where(Event.action == "SIGNED_IN").count()
    database_proxy.obj.close()

    driver = chromium_driver(tmp_path)
    try:
        driver.set_page_load_timeout(30)
        driver.get(url + "/")
        assert wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, ".xterm-helper-textarea"), timeout=30), \
            "the terminal never appeared in the page"
        time.sleep(2.0)  # the kiosk process starts at the lock screen

        def focused_terminal() -> bool:
            # On a busy machine the page may not be ready for a click yet: keep trying until it is.
            try:
                driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").click()
                return True
            except WebDriverException:
                return False

        assert wait_until(focused_terminal, timeout=30), "the terminal never took the keyboard focus"

        # Before signing in, a phone scanned is not taken in: the lock screen is all there is.
        type_into_terminal(driver, code + Keys.ENTER)
        time.sleep(1.0)
        type_into_terminal(driver, Keys.ESCAPE)
        time.sleep(0.5)
        assert committed(lambda: Custody.select().count()) == 0, "nothing happens before signing in"

        type_into_terminal(driver, "AA" + Keys.ENTER, gap=0.12)
        time.sleep(0.5)
        type_into_terminal(driver, OFFICE_PIN + Keys.ENTER, gap=0.12)
        assert wait_until(lambda: committed(
            lambda: Event.select().where(Event.action == "SIGNED_IN").count() > signed_in_before), timeout=20), \
            f"the sign-in never reached the database:\n{log.read_text(errors='replace')}"
        time.sleep(0.5)
        type_into_terminal(driver, "KXHANDIN" + Keys.ENTER)  # the desk card's HAND IN, whatever the hour
        time.sleep(0.5)
        type_into_terminal(driver, code + Keys.ENTER)
        assert wait_until(lambda: committed(
            lambda: Custody.select().join(Tag).where(Tag.code == code).exists()), timeout=20), \
            f"the phone was never handed in:\n{log.read_text(errors='replace')}"
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            time.sleep(0.5)
            driver.save_screenshot(str(Path(SHOTS) / "serve-chromium-handed-in.png"))
    finally:
        driver.quit()
    custody = Custody.select().join(Tag).where(Tag.code == code).get()
    assert custody.state == "IN_OFFICE" and custody.closed_at is None
    assert Event.get(Event.action == "HANDED_IN").desk == "Reception", "recorded at the served desk's name"


def test_serve_refuses_another_sites_page_and_a_rebinding_host_name(server):
    url, _log = server
    port = url.rsplit(":", 1)[1]
    assert get(url + "/ws", {"Origin": "http://evil.example"})[0] == 403, "a foreign page may not drive it"
    assert get(url + "/", {"Host": f"evil.example:{port}"})[0] == 403, "loopback serves loopback names only"
    assert get(url + "/", {"Host": f"localhost:{port}"})[0] == 200


def test_serve_warns_loudly_when_bound_beyond_this_pc(school, monkeypatch, capsys):
    from kiosk.cli import main

    started: list[str] = []

    class NotReallyServing:
        def serve(self) -> None:
            started.append("serving")

    made: dict[str, object] = {}

    def fake_server(**kwargs):
        made.update(kwargs)
        return NotReallyServing()

    monkeypatch.setattr(serve, "make_server", fake_server)
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        assert main(["--db", str(school.path), "--desk", "Reception 2", "serve", "--host", "0.0.0.0",
                     "--port", "8123", "--insecure"]) == 0  # plain HTTP beyond this PC only when asked for
    said = capsys.readouterr().out + stderr.getvalue()
    assert started == ["serving"] and made["host"] == "0.0.0.0" and made["port"] == 8123
    assert "WARNING" in said and "UNENCRYPTED" in said and "--host 127.0.0.1" in said
    command = str(made["command"])
    assert "kiosk.cli" in command and command.endswith(" run")
    # Each browser session opens this database at this desk; the path is not on any command line.
    assert os.environ["KIOSK_DB"] == str(school.path) and str(school.path) not in command
    assert os.environ["KIOSK_DESK"] == "Reception 2"

    made.clear()
    assert main(["--db", str(school.path), "serve"]) == 0
    assert made["host"] == "127.0.0.1", "loopback by default"
    assert "WARNING" not in capsys.readouterr().out


def test_loopback_and_refusal_rules():
    assert serve.is_loopback("127.0.0.1") and serve.is_loopback("::1") and serve.is_loopback("localhost")
    assert not serve.is_loopback("0.0.0.0") and not serve.is_loopback("192.0.2.7")
    assert serve.exposure_warning("127.0.0.1", 8000) is None
    assert serve.refusal(bound_to="127.0.0.1", host_header="127.0.0.1:8000", origin="http://127.0.0.1:8000") is None
    assert serve.refusal(bound_to="127.0.0.1", host_header="127.0.0.1:8000", origin=None) is None
    assert serve.refusal(bound_to="0.0.0.0", host_header="office-pc:8000", origin="http://office-pc:8000") is None
    assert serve.refusal(bound_to="0.0.0.0", host_header="office-pc:8000", origin="http://evil.example")


def test_serve_says_what_is_missing_before_it_starts(tmp_path, capsys):
    from kiosk.cli import main

    assert main(["--db", str(tmp_path / "empty.db"), "serve"]) == 1
    # No school there at all: said as every command says it (tests/test_no_school.py), and no database made.
    assert "No school is set up for this account" in capsys.readouterr().err
    assert not (tmp_path / "empty.db").exists()
