"""The papers a confiscation produces are real PDFs that say the right things about the right pupil."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from kiosk.custody.queries import carers_to_contact
from kiosk.custody.release import release_to_carer
from kiosk.custody.safeguarding import PoliceHandover, flag_safeguarding, hand_to_police
from kiosk.documents.custody_papers import parent_notice, police_receipt, release_receipt
from tests.conftest import DSL_PIN, OFFICE_PIN
from tests.helpers import pdf_text


def paper_text(tmp_path, data: bytes) -> str:
    """The words of a paper the kiosk made, read back from the PDF bytes."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return pdf_text(path)


def confiscated(s, index=0):
    return s.confiscate(index, condition=["in a case"], seal="BAG-0042")


def test_parent_notice_says_what_why_and_how_to_collect(school, tmp_path):
    receipt = confiscated(school, 1)  # Łukasz: an accented name must survive into the PDF
    text = paper_text(tmp_path, parent_notice(receipt, school.settings))
    assert "Łukasz Nowakowski (9C)" in text
    assert "Used in lesson" in text and "BAG-0042" in text
    assert "Monday 30 November" in text and "photo identification" in text
    assert "Hillcrest Academy" in text


def test_release_receipt_names_pupil_collector_staff_and_chain_head(school, tmp_path):
    receipt = confiscated(school)
    school.after_school()  # a 1st-rung phone is collected after school (issue 16)
    released = release_to_carer(school.ctx(), receipt.custody_id, pin=OFFICE_PIN, id_seen="passport",
                                carer_id=carers_to_contact(pupil_id=school.pupils[0].id)[0].id)
    text = paper_text(tmp_path, release_receipt(released, school.settings))
    for expected in ("Zoë Hall", "Mrs Dana Hall (Mother)", "Ann Adams", "passport", released.chain_head[:16],
                     f"event {released.event_seq}"):
        assert expected in text


def test_police_receipt_has_officer_force_crime_reference_and_seal(school, tmp_path):
    receipt = confiscated(school)
    flag_safeguarding(school.ctx(), receipt.custody_id, concern="possible offence", acknowledged=True,
                      kind="risk_of_harm")
    hand_to_police(school.ctx(school.signed_in("PS")), receipt.custody_id,
                   PoliceHandover("PC Jo Marsh", "4471", "Kent Police", "46/123456/26", "EVID-889"), pin=DSL_PIN)
    text = paper_text(tmp_path, police_receipt(receipt.custody_id, school.settings))
    for expected in ("PC Jo Marsh", "4471", "Kent Police", "46/123456/26", "EVID-889", "BAG-0042", "Priya Shah"):
        assert expected in text
    assert "possible offence" not in text  # the concern is a DSL note, never printed here


def test_desk_card_codes_scan_back_to_their_commands(tmp_path):
    from kiosk.custody.scans import COMMAND_CODES, CommandScan, normalise
    from kiosk.documents.desk_card import desk_card

    if shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None:
        pytest.fail("zbarimg (zbar-tools) and pdftoppm (poppler-utils) are needed; .ci/run installs them")
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(desk_card("Hillcrest Academy", "Reception 1"))
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf), str(tmp_path / "card")], check=True)
    [png] = list(tmp_path.glob("card*.png"))
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True).stdout
    found = {normalise(line).command for line in decoded.split() if line}
    assert found == set(COMMAND_CODES.values())
    assert all(isinstance(normalise(code), CommandScan) for code in COMMAND_CODES)


def test_the_oversight_screens_open_without_loading_the_pdf_maker():
    """reportlab costs ~0.3 s to import: the reports, dashboard, pupil and end-of-day screens load it only when
    a PDF is saved, so it is not part of the desk's start-up."""
    import sys

    modules = ["kiosk.screens.reports", "kiosk.screens.dashboard", "kiosk.screens.pupil", "kiosk.screens.stocktake",
               "kiosk.commands.report"]
    code = f"import sys\nfor m in {modules!r}: __import__(m)\nprint(sorted(n for n in sys.modules if 'reportlab' in n))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


def test_a_long_table_set_as_plain_text_keeps_every_name_and_figure(tmp_path):
    from kiosk.documents.pdf import Document

    names = ["Zoë Hall", "Łukasz Nowakowski", "Minh Nguyễn", "Aoife Ó Súilleabháin"] * 60
    doc = Document("Repeat confiscations", "Hillcrest Academy")
    doc.table(["Pupil", "Form", "Confiscations"], [[name, "9C", n] for n, name in enumerate(names)],
              widths_mm=[80, 30, 30], wrap=False)
    text = paper_text(tmp_path, doc.render())
    assert "Nguyễn 9C 238" in " ".join(text.split()) and "Aoife Ó Súilleabháin 9C 239" in " ".join(text.split())
    assert text.count("Pupil") >= 2, "the header repeats on every page"


def test_write_private_writes_whole_files_for_this_account_only(tmp_path):
    import stat

    from kiosk.documents.saved import write_private

    path = tmp_path / "report.pdf"
    path.write_bytes(b"the old report")
    path.chmod(0o644)
    write_private(path, b"%PDF the new report")
    assert path.read_bytes() == b"%PDF the new report" and stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(IsADirectoryError, match="that is a folder"):
        write_private(tmp_path, b"%PDF")
    with pytest.raises(FileNotFoundError):
        write_private(tmp_path / "missing" / "report.pdf", b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"], "no half-written file is left behind"
