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
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import redirect_stderr
from pathlib import Path

import pytest

from kiosk import serve
from kiosk.db import Custody, Event, Tag, database_proxy
from tests.conftest import OFFICE_PIN
from tests.helpers import free_port, wait_until

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER = "/usr/bin/chromedriver"
SHOTS = os.environ.get("KIOSK_SHOTS_DIR")


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def server(school, tmp_path):
    """`kiosk serve` on a free loopback port, over the school's database (a real child process)."""
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "--db", str(school.path), "serve",
                                    "--port", str(port)], stdout=out, stderr=subprocess.STDOUT,
                                   cwd=Path(__file__).resolve().parent.parent)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return get(url + "/")[0] == 200
        except OSError:
            return False

    try:
        if not wait_until(up, timeout=30):
            raise AssertionError(f"kiosk serve did not answer on {url}:\n{log.read_text(errors='replace')}")
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def chromium_driver(tmp_path, *extra_flags: str):
    """A headless Chromium that talks to nothing but this machine's loopback."""
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
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,800", f"--user-data-dir={profile}",
                 # Nothing but this machine: any other host name fails to resolve.
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", *extra_flags):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


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


def committed(query) -> bool:
    # The kiosk's own processes write; start a fresh read so this test sees their commits.
    database_proxy.obj.close()
    return query()


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
    assert "No staff are set up" in capsys.readouterr().err
