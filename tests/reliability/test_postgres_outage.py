"""5. PostgreSQL restarted and a backend killed mid-shift: the domain refuses plainly while the server is away,
recovers by itself, and loses nothing acknowledged. Serialisation failures are retried a bounded number of times."""

from __future__ import annotations

import threading

import pytest
from peewee import PostgresqlDatabase

from kiosk.db import resilience
from kiosk.db.connection import make_database, write_transaction
from kiosk.db.resilience import RetryStats, is_connection_lost, is_transient, retry_transient
from kiosk.errors import StorageFailed
from tests.helpers import wait_until
from tests.reliability import scenarios
from tests.reliability.harness import DeskProcess, build_site, start_together, write_lines


def plain_postgres(url: str) -> PostgresqlDatabase:
    """peewee's own PostgreSQL database for `url`, whatever kiosk.db.connection makes (a negative control)."""
    made = make_database(url)
    return PostgresqlDatabase(made.database, **made.connect_params)


def second_desk_waits_for_the_first(server, name: str, first, second) -> list[StorageFailed]:
    """Desk A moves the audit head in a write; desk B starts a write that waits for A's lock; A commits. What B
    was refused (nothing, or one StorageFailed)."""
    refused: list[StorageFailed] = []

    def desk_b() -> None:
        try:
            with write_transaction(second):
                second.execute_sql("UPDATE audit_head SET seq = seq WHERE id = 1")
        except StorageFailed as error:
            refused.append(error)
        finally:
            second.close()

    waiting = threading.Thread(target=desk_b)
    with write_transaction(first):
        first.execute_sql("UPDATE audit_head SET seq = seq WHERE id = 1")
        waiting.start()
        assert wait_until(lambda: server.admin(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", name,
        )[0][0] == 1, timeout=30), "desk B never came to wait for desk A's lock"
    waiting.join(30)
    first.close()
    return refused


def test_the_domain_survives_killed_backends_and_a_server_restart(own_postgres, tmp_path):
    site = build_site(own_postgres.fresh_database(), tmp_path / "site", pupils=80)
    figure = scenarios.postgres_outage(own_postgres, site)
    print(figure.line())
    n = figure.numbers
    # The negative control, peewee's plain class: the first action after a killed backend meets the dead
    # connection and is refused (NOT SAVED); write_transaction drops it, so the next one reconnects.
    assert n["plain_connection_after_kill"] == {"saved": 4, "refused": 1}
    # The kiosk's own database (what kiosk.db.open_database makes for every desk and command) reconnects before
    # the next transaction: a killed backend costs nothing, not even the first action.
    assert n["kiosk_database_after_kill"] == {"saved": 5, "refused": 0}
    assert n["reconnecting_after_kill"] == {"saved": 5, "refused": 0}
    down = n["while_down"]
    assert down["saved"] == 0 and down["refused"] == 3
    assert down["message"][0].startswith(("NOT SAVED", "NOT READ")) and "cannot be reached" in down["message"][0]
    assert down["read_message"].startswith("NOT READ") and down["banner"] == resilience.UNREACHABLE_BANNER
    assert n["after_restart"] == {"saved": 6, "refused": 0, "banner": None}
    desk = n["desk_process"]
    assert desk["exit_code"] == 0 and desk["crashes"] == []
    assert desk["refusals_shown"] > 0
    assert all(m.split(" ", 1)[1].startswith(("NOT SAVED", "NOT READ")) for m in desk["refusal_messages"])
    assert desk["acknowledged_after_restart"] >= 20
    assert desk["acknowledged_missing"] == 0
    assert n["audit_ok"] and n["tags_with_two_open"] == 0


def test_contended_writes_under_a_serializable_server_default_are_retried_or_avoided(own_postgres, tmp_path):
    """A school's DBA may set default_transaction_isolation = serializable. Then every contended write fails
    with a serialisation error on peewee's plain database (the negative control); the kiosk's database pins
    READ COMMITTED, and retry_transient re-runs what the server rolled back."""
    url = own_postgres.fresh_database()
    site = build_site(url, tmp_path / "site", pupils=40)
    name = url.rsplit("/", 1)[1]
    own_postgres.admin(f"ALTER DATABASE {name} SET default_transaction_isolation = 'serializable'")
    # The negative control, made certain rather than left to timing (desks started at once may still never meet
    # on a loaded machine): peewee's plain database, under that default, as two desks. Desk A has moved the audit
    # head and not yet committed; desk B's write is waiting for A's lock. When A commits, B is refused…
    refused = second_desk_waits_for_the_first(own_postgres, name, plain_postgres(url), plain_postgres(url))
    assert len(refused) == 1 and "could not serialize" in str(refused[0].__cause__)
    # …while the kiosk's own database, in exactly that moment, saves B's write after A's.
    assert second_desk_waits_for_the_first(own_postgres, name, make_database(url), make_database(url)) == []

    codes = write_lines(tmp_path / "codes2.txt", site.codes[20:40])
    kiosk = [DeskProcess(site, "handin", "--codes", str(codes), "--wait-go", resilient=True, desk=f"Desk {n}")
             for n in range(4)]
    start_together(kiosk)
    for proc in kiosk:
        assert proc.finish(120) == 0
    assert [line for p in kiosk for line in p.lines if line.startswith("ERR")] == []
    assert sum(1 for p in kiosk for line in p.lines if " HANDED_IN " in line) == 20


def test_retry_transient_reruns_what_the_database_rolled_back_and_gives_up_after_the_bound():
    from peewee import OperationalError

    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            try:
                raise OperationalError("could not serialize access due to concurrent update")
            except OperationalError as exc:
                raise StorageFailed("NOT SAVED: …") from exc
        return "saved"

    stats = RetryStats()
    assert retry_transient(flaky, sleep=lambda s: None, stats=stats) == "saved"
    assert (len(calls), stats.retries) == (3, 2)

    def always_busy():
        raise OperationalError("database is locked")

    stats = RetryStats()
    with pytest.raises(OperationalError):
        retry_transient(always_busy, attempts=4, sleep=lambda s: None, stats=stats)
    assert (stats.retries, stats.gave_up) == (3, 1)

    def lost():
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.raises(OperationalError):  # never replayed: it may have reached the server
        retry_transient(lost, sleep=lambda s: None)
    assert is_connection_lost(OperationalError("terminating connection due to administrator command"))
    assert not is_transient(OperationalError("disk I/O error"))


async def _desk_through_an_outage(own_postgres, tmp_path, during):
    """Sign in at the desk on a reconnecting database, stop the server, run `during(pilot, app, site)`, start the
    server again. Returns (app, what `during` returned, the exception the app died of or None)."""
    from datetime import UTC, datetime

    from kiosk.app import make_app
    from kiosk.clock import FixedClock
    from kiosk.config import Settings
    from kiosk.screens.desk import DeskScreen
    from tests.reliability.harness import OFFICE
    from tests.tui_helpers import sign_in

    site = build_site(own_postgres.fresh_database(), tmp_path / "site", pupils=10)
    site.open(resilient=True)
    app = make_app(settings=Settings(school_name="Hillcrest Academy", desk="Reception 1"), keyring=site.keyring,
                   clock=FixedClock(datetime(2026, 11, 30, 8, 30, tzinfo=UTC)))  # a morning: hand-in mode
    result, died = None, None
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await sign_in(pilot, OFFICE[1], OFFICE[3])
            assert isinstance(app.screen, DeskScreen)
            own_postgres.stop_server()
            try:
                result = await during(pilot, app, site)
            finally:
                own_postgres.start_server()
    except Exception as exc:  # noqa: BLE001 - the app died: that is the finding
        died = exc
    return app, result, died


async def test_while_the_server_is_away_a_scan_is_refused_and_after_it_returns_the_next_is_saved(own_postgres,
                                                                                                tmp_path):
    from kiosk.widgets.result_banner import ResultBanner
    from tests.tui_helpers import scan

    async def during(pilot, app, site):
        await scan(pilot, site.codes[0])
        down = app.screen.query_one(ResultBanner).result
        own_postgres.start_server()
        await scan(pilot, site.codes[1])  # another phone (the same one again within 2 s is a "double read")
        return down, app.screen.query_one(ResultBanner).result

    app, (down, up), died = await _desk_through_an_outage(own_postgres, tmp_path, during)
    assert died is None
    assert down.headline == "NOT SAVED" and "cannot be reached" in down.message
    assert up.headline == "HANDED IN"


async def test_the_desk_survives_its_figures_refresh_while_the_server_is_away(own_postgres, tmp_path):
    async def during(pilot, app, site):
        # What the 30-second interval calls. Anything it raises ends the app (Textual exits on an exception in
        # a timer), so it is called here directly rather than waiting for the crash.
        try:
            app.screen.refresh_counts()
        except Exception as exc:  # noqa: BLE001
            return exc
        return None

    app, raised, died = await _desk_through_an_outage(own_postgres, tmp_path, during)
    assert died is None and raised is None, raised


async def test_scanning_again_straight_after_not_saved_is_acted_on(own_postgres, tmp_path):
    from kiosk.widgets.result_banner import ResultBanner
    from tests.tui_helpers import scan

    async def during(pilot, app, site):
        await scan(pilot, site.codes[0])
        own_postgres.start_server()
        await scan(pilot, site.codes[0])
        return app.screen.query_one(ResultBanner).result

    _app, result, died = await _desk_through_an_outage(own_postgres, tmp_path, during)
    assert died is None and result.headline == "HANDED IN"


async def test_the_desk_shows_the_unreachable_banner_and_clears_it_by_itself(own_postgres, tmp_path):
    from tests.tui_helpers import screen_text

    async def during(pilot, app, site):
        app.screen.refresh_counts()  # what the desk's interval does
        await pilot.pause()
        down = screen_text(app)
        own_postgres.start_server()
        app.screen.refresh_counts()
        await pilot.pause()
        return down, screen_text(app)

    _app, (down, back), died = await _desk_through_an_outage(own_postgres, tmp_path, during)
    assert died is None
    assert resilience.UNREACHABLE_BANNER.upper() in down.upper()
    assert resilience.UNREACHABLE_BANNER.upper() not in back.upper()
