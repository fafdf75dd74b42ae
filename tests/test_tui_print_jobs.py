"""The Print jobs view at the desk (F7 on the Labels screen): a job that did not print is listed first with why,
Retry prints it as a new job that completes, the old one then says it was printed again, and a printed job can be
reprinted. Pilot, on the `school` fixture (a real SQLite file); the printer is a folder that first cannot be made.
"""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from kiosk.db import Tag
from kiosk.db.models import PrintJob
from kiosk.labels import FilePrinter, LabelChoice, PrintFailed, print_labels
from kiosk.screens.labels import LabelsScreen
from kiosk.screens.print_jobs import PrintJobsScreen
from kiosk.widgets.message_line import MessageLine
from tests.tui_helpers import keep_shot, kiosk_app, open_screen, screen_text, settle, signed_in, wait_until


def table_rows(screen: PrintJobsScreen) -> list[list[str]]:
    table = screen.query_one("#jobs", DataTable)
    return [[str(cell) for cell in table.get_row_at(n)] for n in range(table.row_count)]


async def test_the_print_jobs_view_lists_why_a_job_failed_and_retry_prints_it_once(school, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the label folder should be")
    with pytest.raises(PrintFailed):
        print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29",
                     printer=FilePrinter(blocked / "labels"))
    print_labels(school.ctx(), choice=LabelChoice(form="7c"), layout="brother-62x29",
                 printer=FilePrinter(tmp_path / "done"))
    async with signed_in(kiosk_app(school), size=(120, 40)) as pilot:
        await open_screen(pilot, "f12", LabelsScreen)
        screen = await open_screen(pilot, "f7", PrintJobsScreen)
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)
        rows = table_rows(screen)
        assert [row[0] for row in rows] == ["1", "2"], "the job that did not print comes first"
        assert rows[0][2] == "NOT PRINTED" and rows[0][4] == "form 9C" and rows[1][2] == "printed"
        shown = " ".join(screen_text(pilot.app).split())
        assert "could not make the folder" in shown and "Retry (R)" in shown and "Cancel job" not in shown
        keep_shot(pilot.app, "print-jobs-failed")

        blocked.unlink()  # the office fixes the printer (here: the folder can be made now)
        await pilot.press("r")
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)
        said = screen.query_one("#jobs-result", MessageLine)
        assert said.has_class("-ok") and "PRINTED 2 labels (form 9C)" in said.message and "print job 3" in said.message
        assert await wait_until(pilot, lambda: len(table_rows(screen)) == 3)
        rows = {row[0]: row for row in table_rows(screen)}
        assert rows["3"][2] == "printed" and rows["1"][2] == "NOT PRINTED"
        screen.show_job(1)
        await pilot.pause()
        assert "printed again as job 3" in str(screen.query_one("#job-detail").content)
        assert not screen.query_one("#retry").display, "a job printed again is not retried a second time"
        assert PrintJob.select().where(PrintJob.state == "completed").count() == 2
        assert Tag.select().where(Tag.label_printed_at.is_null(False)).count() == 4

        screen.show_job(2)
        await pilot.pause()
        await pilot.press("p")  # reprint a job that printed: a new job, a new file
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)
        assert "PRINTED 2 labels (form 7C)" in screen.query_one("#jobs-result", MessageLine).message
        assert PrintJob.get_by_id(4).again_of == 2 and len(list((tmp_path / "done").iterdir())) == 2
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, LabelsScreen)
