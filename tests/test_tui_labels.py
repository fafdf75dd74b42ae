"""The Tags & labels screen (F12) and the bag label on the confiscation's confirmation, as the office meets them:
a preview before printing, printing in a worker to a file and to a real CUPS queue (stopped, then restarted and
retried), replacing a lost tag in one step, and a bag label whose printer failure never undoes a confiscation.

Pilot tests on the `school` fixture (a real SQLite file, real PINs, a fixed clock). The CUPS test uses a real
cupsd with a cups-pdf queue (tests/cupsserver.py); it is skipped, with its reason, only where the machine has no
CUPS and KIOSK_REQUIRE_CUPS is not "1".
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest
from textual.widgets import Button

from kiosk.custody import State
from kiosk.db import Custody, Event, Pupil, Tag
from kiosk.db.models import PrintJob
from kiosk.labels.history import print_jobs
from kiosk.screens.confiscate import ConfiscateScreen
from kiosk.screens.desk import DeskScreen
from kiosk.screens.labels import LabelsScreen
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.result_banner import ResultBanner
from kiosk.widgets.scan_box import ScanBox
from tests.tui_helpers import (
    fill_and_save_confiscation,
    keep_shot,
    kiosk_app,
    open_confiscation,
    open_screen,
    scan,
    screen_text,
    settle,
    sign_in,
    signed_in,
)


async def open_labels(pilot) -> LabelsScreen:
    return await open_screen(pilot, "f12", LabelsScreen)


async def choose(pilot, screen: LabelsScreen, **values) -> None:
    """Set the screen's selects and inputs by id, as a person would pick them, and let the preview update."""
    for field_id, value in values.items():
        widget = screen.query_one(f"#{field_id}")
        widget.value = value  # type: ignore[attr-defined]
        await pilot.pause()


async def find_pupil(pilot, screen: LabelsScreen, text: str) -> None:
    box = screen.query_one("#pupil", ScanBox)
    box.focus()
    box.value = text
    await pilot.press("enter")
    await settle(pilot)


async def finish_printing(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def preview_text(screen: LabelsScreen) -> str:
    return str(screen.query_one("#preview").content)


def result(screen: LabelsScreen) -> MessageLine:
    return screen.query_one("#labels-result", MessageLine)


def expected_per_form() -> dict[str, int]:
    counts: dict[str, int] = {}
    for tag in Tag.select(Tag, Pupil).join(Pupil).where((Tag.status == "active") & (Pupil.active == True)):  # noqa: E712
        counts[tag.pupil.form] = counts.get(tag.pupil.form, 0) + 1
    return counts


async def test_the_preview_shows_the_count_per_form_the_layout_and_the_printer_before_printing(school, tmp_path):
    async with signed_in(kiosk_app(school), size=(120, 40)) as pilot:
        screen = await open_labels(pilot)
        assert "Scan the pupil's tag" in preview_text(screen), "one pupil is the default: it asks who"
        await choose(pilot, screen, what="everyone", kind="file", target=str(tmp_path / "all.pdf"))
        text = preview_text(screen)
        per_form = expected_per_form()
        assert f"{sum(per_form.values())} labels for everyone on roll" in text
        # In the order the labels come out: forms by year (7C before 10HA), each with its own count.
        assert "7C: 2 labels, 9C: 2 labels, 10HA: 1 label, 11B: 1 label" in text  # in words, not "10HA 1"
        assert per_form == {"7C": 2, "9C": 2, "10HA": 1, "11B": 1}
        assert "Layout: Brother QL 62 × 29 mm" in text and f"Printer: file {tmp_path / 'all.pdf'}" in text

        await choose(pilot, screen, what="form")
        await choose(pilot, screen, form="9C")
        assert "2 labels for form 9C" in preview_text(screen)
        await choose(pilot, screen, layout="a4-21")
        assert "A4" in preview_text(screen) and "on 1 sheet" in preview_text(screen)
        await choose(pilot, screen, what="year")
        await choose(pilot, screen, year=7)
        assert "2 labels for year 7" in preview_text(screen)
        assert not Event.select().where(Event.action == "LABELS_PRINTED").exists(), "a preview prints nothing"


async def test_printing_a_form_to_a_file_saves_the_pdf_and_marks_the_labels_printed(school, tmp_path):
    out = tmp_path / "labels" / "9C.pdf"
    async with signed_in(kiosk_app(school), size=(120, 40)) as pilot:
        screen = await open_labels(pilot)
        await choose(pilot, screen, kind="file", target=str(out), what="form")
        await choose(pilot, screen, form="9C")
        await pilot.press("ctrl+s")
        await finish_printing(pilot)
        assert out.is_file() and out.read_bytes().startswith(b"%PDF")
        assert result(screen).has_class("-ok") and "PRINTED 2 labels (form 9C)" in result(screen).message
        printed = {t.pupil.form for t in Tag.select(Tag, Pupil).join(Pupil).where(Tag.label_printed_at.is_null(False))}
        assert printed == {"9C"}, "only the printed form's labels are marked printed"
        # The never-printed choice now leaves 9C out.
        await choose(pilot, screen, what="never")
        assert "4 labels for everyone on roll, never printed only" in preview_text(screen)
        assert "9C" not in preview_text(screen).splitlines()[1]
        keep_shot(pilot.app, "labels-printed")


async def test_a_stopped_cups_queue_shows_the_failure_in_red_with_retry_which_prints_once_restarted(
        school, cups):
    queue = cups.add_pdf_queue()
    try:
        cups.stop_queue(queue, "Out of labels")
        ruby = school.pupils[4]
        async with signed_in(kiosk_app(school), size=(120, 40)) as pilot:
            screen = await open_labels(pilot)
            await choose(pilot, screen, kind="cups", target=queue)
            await find_pupil(pilot, screen, school.tag_of(ruby))
            assert "1 label for Ruby Mitchell (7C)" in preview_text(screen)
            assert f"Printer: CUPS queue {queue}" in preview_text(screen)
            await pilot.press("ctrl+s")
            await finish_printing(pilot)
            failed = result(screen)
            assert failed.has_class("-refused"), "a failure is shown as a refusal: red, with ✖"
            assert "NOT PRINTED" in failed.message and f"{queue!r} is stopped" in failed.message
            assert "Out of labels" in failed.message
            assert screen.query_one("#retry", Button).display, "Retry is offered"
            assert "✖ NOT PRINTED" in " ".join(screen_text(pilot.app).split())
            assert Tag.get(Tag.code == school.tag_of(ruby)).label_printed_at is None
            assert cups.jobs(queue) == [], "no job is left waiting to print by surprise"

            # The desk is not blocked meanwhile: back to it, hand a phone in, and come back.
            await pilot.press("escape")
            await scan(pilot, school.tag_of(school.pupils[0]))
            assert "HANDED IN" in pilot.app.screen.query_one(ResultBanner).result.headline

            screen = await open_labels(pilot)
            await choose(pilot, screen, kind="cups", target=queue)
            await find_pupil(pilot, screen, school.tag_of(ruby))
            await pilot.press("ctrl+s")
            await finish_printing(pilot)
            assert result(screen).has_class("-refused")
            subprocess.run(["cupsenable", queue], check=True, capture_output=True)
            await pilot.press("ctrl+r")
            await finish_printing(pilot)
            done = result(screen)
            assert done.has_class("-ok"), done.message
            assert "PRINTED 1 label" in done.message and f"CUPS queue {queue}" in done.message
            assert not screen.query_one("#retry", Button).display
            assert Tag.get(Tag.code == school.tag_of(ruby)).label_printed_at is not None
    finally:
        cups.remove_queue(queue)


async def test_a_lost_tag_is_replaced_in_one_step_the_old_code_is_refused_and_the_new_one_hands_in(
        school, tmp_path):
    ruby = school.pupils[4]
    old_code = school.tag_of(ruby)
    out = tmp_path / "replacement.pdf"
    async with signed_in(kiosk_app(school), size=(120, 40)) as pilot:
        screen = await open_labels(pilot)
        await choose(pilot, screen, kind="file", target=str(out))
        await find_pupil(pilot, screen, "ruby mitchell")  # lost: found by name (the picker has one match)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.found is not None and screen.found.pupil.id == ruby.id
        await pilot.click("#replace-lost")
        await finish_printing(pilot)
        new_code = school.tag_of(ruby)
        assert new_code != old_code
        assert Tag.get(Tag.code == old_code).status == "lost"
        assert result(screen).has_class("-ok") and "Label printed" in result(screen).message
        assert out.is_file(), "the new tag's label printed"
        assert Event.select().where(Event.action == "TAG_REPLACED").count() == 1
        assert new_code[:4] in preview_text(screen), "the screen now shows the new tag"

        await pilot.press("escape")
        await pilot.press("f2")
        await scan(pilot, old_code)
        refused = pilot.app.screen.query_one(ResultBanner).result
        assert refused.headline == "OLD TAG" and "lost" in refused.message
        await scan(pilot, new_code)
        assert pilot.app.screen.query_one(ResultBanner).result.headline == "HANDED IN"
        assert Custody.select().where(Custody.pupil == ruby.id, Custody.closed_at.is_null()).count() == 1


async def test_the_bag_label_prints_from_the_confirmation_and_a_printer_failure_keeps_the_confiscation(
        school, tmp_path):
    ruby = school.pupils[4]
    app = kiosk_app(school, label_printer_kind="file", label_printer=str(tmp_path / "labels.pdf"))
    async with signed_in(app, size=(120, 40)) as pilot:
        screen = await open_confiscation(pilot, school, ruby)
        await fill_and_save_confiscation(pilot, screen)
        receipt = screen.receipt
        assert receipt is not None
        await pilot.press("b")
        await finish_printing(pilot)
        bag = tmp_path / f"bag-label-{receipt.custody_id}.pdf"
        assert bag.is_file() and bag.read_bytes().startswith(b"%PDF"), "saved beside the tag labels, not over them"
        assert "✔ Bag label printed" in str(screen.query_one("#done-log").content)

    # A printer that is not there: the confiscation stands, the log says so, and B tries again.
    zoe = school.pupils[0]
    app = kiosk_app(school, label_printer_kind="cups", label_printer="KIOSK_NO_SUCH_QUEUE")
    async with signed_in(app, size=(120, 40)) as pilot:
        screen = await open_confiscation(pilot, school, zoe)
        await fill_and_save_confiscation(pilot, screen, seal="BAG-0043")
        assert isinstance(pilot.app.screen, ConfiscateScreen)
        await pilot.click("#bag-label")
        await finish_printing(pilot)
        log = str(screen.query_one("#done-log").content)
        assert "✖" in log and "Press B to print it again; the confiscation is saved" in log
        assert Custody.get_by_id(screen.receipt.custody_id).state == State.HELD_FOR_PARENT


async def test_a_print_that_finishes_after_leaving_the_screen_is_reported_on_the_desk_never_when_locked(
        school, tmp_path, monkeypatch):
    import kiosk.screens.labels as labels_screen

    release = threading.Event()
    real_job = labels_screen.run_labels_job

    def slow_printer(ctx, job, progress=None):  # a printer that takes its time, until the test lets it finish
        release.wait(10)
        return real_job(ctx, job, progress)

    monkeypatch.setattr(labels_screen, "run_labels_job", slow_printer)
    async with kiosk_app(school).run_test(size=(120, 40)) as pilot:
        app = pilot.app

        def toasts() -> str:
            return " ".join(str(n.message) for n in app._notifications)

        await sign_in(pilot)
        screen = await open_labels(pilot)
        await choose(pilot, screen, kind="file", target=str(tmp_path / "all.pdf"), what="everyone")
        await pilot.press("ctrl+s")
        assert "Printing…" in result(screen).message
        await pilot.press("escape")
        assert isinstance(app.screen, DeskScreen)
        await scan(pilot, school.tag_of(school.pupils[1]))  # the desk works while the printer does
        assert app.screen.query_one(ResultBanner).result.headline == "HANDED IN"
        release.set()
        await finish_printing(pilot)
        assert (tmp_path / "all.pdf").is_file()
        assert "✔ PRINTED 6 labels" in toasts(), "the office hears how it went, on the desk"

        # Locked before the printer finishes: nothing about it (or any pupil) on the lock screen.
        app.clear_notifications()
        release.clear()
        screen = await open_labels(pilot)
        await find_pupil(pilot, screen, school.tag_of(school.pupils[4]))
        await pilot.press("ctrl+s", "ctrl+l")
        release.set()
        await finish_printing(pilot)
        assert toasts() == "" and "Ruby" not in screen_text(app)


async def test_the_desk_cards_lock_barcode_locks_from_the_labels_screen(school):
    async with signed_in(kiosk_app(school), size=(120, 40)) as pilot:
        screen = await open_labels(pilot)
        await find_pupil(pilot, screen, "KXHANDBACK")
        assert "desk card's HAND BACK barcode" in result(screen).message
        await find_pupil(pilot, screen, "KXLOCK")
        assert len(pilot.app.screen_stack) == 1 and "Desk locked" in screen_text(pilot.app)


async def test_a_teacher_has_no_labels_key(school):
    async with signed_in(kiosk_app(school), "TE", "975310", size=(120, 40)) as pilot:
        assert "Labels" not in screen_text(pilot.app).splitlines()[-1]
        await pilot.press("f12")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, LabelsScreen)


def test_the_printer_on_the_screen_defaults_to_the_settings(school, tmp_path, monkeypatch):
    from kiosk.config import Settings
    from kiosk.labels.from_settings import configured_printer

    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    # Issue 17: a folder, one file per job (a single labels.pdf was overwritten by the next job).
    assert configured_printer(Settings()) == ("file", str(Path(tmp_path / "data" / "labels")))
    assert configured_printer(Settings(label_printer_kind="cups", label_printer="Reception_QL")) == \
        ("cups", "Reception_QL")


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_the_focused_button_keeps_its_label_on_screen(school, size):
    # The buttons are one row high: a frame all round the focused one drew over its label.
    async with signed_in(kiosk_app(school), size=size) as pilot:
        screen = await open_labels(pilot)
        for button_id, label in (("print", "Print  Ctrl+S"), ("replace-lost", "Lost tag: replace")):
            button = screen.query_one(f"#{button_id}", Button)
            if not button.display:
                continue
            button.focus()
            await pilot.pause()
            assert label in screen_text(pilot.app), f"{label!r} is not readable when focused"


async def test_a_job_on_an_offline_printer_shows_its_progress_never_printed_and_retry_prints_once_fixed(
        school, cups):
    queue = cups.add_offline_queue()
    try:
        ruby = school.pupils[4]
        async with signed_in(kiosk_app(school), size=(120, 40)) as pilot:
            screen = await open_labels(pilot)
            await choose(pilot, screen, kind="cups", target=queue)
            await find_pupil(pilot, screen, school.tag_of(ruby))
            await pilot.press("ctrl+s")
            for _ in range(100):  # the job is out at a printer that is off: the screen says it is waiting
                await pilot.pause(0.1)
                if "waiting for the printer" in result(screen).message:
                    break
            assert "waiting for the printer" in result(screen).message, result(screen).message
            assert "PRINTED" not in result(screen).message and not result(screen).has_class("-ok")
            assert Tag.get(Tag.code == school.tag_of(ruby)).label_printed_at is None
            subprocess.run(["cancel", "-a", queue], check=True, capture_output=True)  # someone cancels it
            await finish_printing(pilot)
            failed = result(screen)
            assert failed.has_class("-refused") and "NOT PRINTED" in failed.message and "cancelled" in failed.message
            assert screen.query_one("#retry", Button).display, "Retry is offered"
            assert Tag.get(Tag.code == school.tag_of(ruby)).label_printed_at is None

            cups.fix_queue(queue)
            await pilot.press("ctrl+r")
            await finish_printing(pilot)
            done = result(screen)
            assert done.has_class("-ok") and "PRINTED 1 label" in done.message, done.message
            assert Tag.get(Tag.code == school.tag_of(ruby)).label_printed_at is not None
        # The retry is the failed job printed again, linked in the history: the failed row offers no retry of its
        # own, so nobody prints the same label twice from the Print jobs view.
        first, retried = PrintJob.select().order_by(PrintJob.id)
        assert first.state == "cancelled" and retried.again_of == first.id and retried.state == "completed"
        [old] = print_jobs(school.ctx()).not_printed
        assert old.id == first.id and not old.can_retry and old.printed_again_by == retried.id
    finally:
        cups.remove_queue(queue)


async def test_choosing_a_cups_queue_after_a_file_does_not_keep_the_file_path_as_the_queue(school, tmp_path):
    async with signed_in(kiosk_app(school), size=(120, 40)) as pilot:
        screen = await open_labels(pilot)
        await choose(pilot, screen, kind="file", target=str(tmp_path / "labels.pdf"))
        await choose(pilot, screen, kind="cups")
        assert screen.printer_fields() == ("cups", "")
