"""Issue 16, exams: a phone found in an exam carries what the examining body's JCQ Form M1 asks (candidate and centre
numbers, paper code and title, invigilator, time found, switched on, on the person, warnings given); the exam report
reads every one back with totals per exam board, and each incident prints as an M1 attachment."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from textual.widgets import Input, Select

from kiosk.custody import DeskError
from kiosk.custody.confiscation import ExamDetails
from kiosk.documents.m1_attachment import m1_attachment
from kiosk.documents.report_papers import exams_pdf
from kiosk.reports.figures import exam_incident_of, exam_incidents, totals_by_board
from kiosk.reports.periods import Period
from tests.helpers import pdf_text
from tests.tui_helpers import fill_and_save_confiscation, keep_shot, kiosk_app, open_confiscation, settle, signed_in

MONDAY = Period(date(2026, 11, 30), date(2026, 11, 30), "Monday")
EXAM = "found during an exam"
FULL = ExamDetails(board="AQA", paper="8300/1H", room="Sports hall", invigilator="Mrs K. Invig",
                   candidate_number="4021", centre_number="61234", paper_title="Mathematics Paper 1 (Higher)",
                   time_found="8:17", switched_on=True, on_person=True, warning_displayed=True,
                   information_issued=False, reminded_at_start=None)


def words(tmp_path, data: bytes, name: str = "paper.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return " ".join(pdf_text(path).split())


def test_every_m1_field_is_kept_with_the_record_and_the_time_found_as_hh_mm(school):
    receipt = school.confiscate(reason=EXAM, exam=FULL)
    incident = exam_incident_of(receipt.custody_id)
    assert incident is not None and incident.details == replace(FULL, time_found="08:17")
    assert (incident.candidate_number, incident.invigilator, incident.seal_number) == ("4021", "Mrs K. Invig",
                                                                                       "BAG-0001")


def test_the_centre_number_comes_from_the_settings_unless_typed(school):
    school.settings = replace(school.settings, exam_centre_number="60999")
    untyped = school.confiscate(reason=EXAM, exam=ExamDetails(board="OCR", paper="J560/01"))
    typed = school.confiscate(1, reason=EXAM, exam=ExamDetails(board="OCR", paper="J560/01", centre_number="61234"))
    assert exam_incident_of(untyped.custody_id).details.centre_number == "60999"
    assert exam_incident_of(typed.custody_id).details.centre_number == "61234"


def test_a_time_found_that_is_no_time_is_refused(school):
    with pytest.raises(DeskError, match="Time found 'ten past'"):
        school.confiscate(reason=EXAM, exam=ExamDetails(board="AQA", paper="8300/1H", time_found="ten past"))


def test_the_exam_report_reads_every_m1_field_back_with_totals_per_board(school, tmp_path):
    s = school
    boards = ["AQA", "Pearson Edexcel", "AQA", "OCR", "AQA"]
    for index, board in enumerate(boards):
        exam = FULL if index == 0 else ExamDetails(board=board, paper=f"P{index}", candidate_number=f"40{index}0")
        s.confiscate(index, reason=EXAM, exam=exam)
    incidents = exam_incidents(MONDAY, s.settings)
    # By hand: AQA 3, Pearson Edexcel 1, OCR 1; most first, then by name.
    assert totals_by_board(incidents) == {"AQA": 3, "OCR": 1, "Pearson Edexcel": 1}
    text = words(tmp_path, exams_pdf(MONDAY, incidents, s.settings, made_at=s.clock.now()))
    assert "Totals per exam board" in text
    for line in ("AQA 3", "OCR 1", "Pearson Edexcel 1", "Total 5"):
        assert line in text, line
    for field in ("4021", "61234", "Mathematics Paper 1 (Higher)", "Mrs K. Invig", "08:17", "8300/1H",
                  "Sports hall", "4010", "4040"):
        assert field in text, field
    zoe = text[text.index("Zoë Hall (9C), Mon 30 Nov 2026 08:30, AQA"):text.index("Łukasz Nowakowski (9C), Mon")]
    for line in ("Candidate number 4021", "Centre number 61234", "Paper 8300/1H — Mathematics Paper 1 (Higher)",
                 "Invigilator Mrs K. Invig", "Time found 08:17", "Phone switched on yes",
                 "On the candidate's person yes", "Warning to Candidates displayed yes",
                 "Information for Candidates issued no", "Reminded of the rules at the start not recorded"):
        assert line in zoe, line
    # A pupil whose answers nobody asked: none is printed as "no".
    ruby = text[text.index("Ruby Mitchell (7C), Mon"):]
    assert "Phone switched on not recorded" in ruby and "Invigilator not recorded" in ruby and " no " not in ruby


def test_the_m1_attachment_reads_every_field_back(school, tmp_path):
    s = school
    receipt = s.confiscate(reason=EXAM, by="Mr T. Ellis", exam=FULL)
    incident = exam_incident_of(receipt.custody_id)
    text = words(tmp_path, m1_attachment(incident, s.settings, made_at=s.clock.now()))
    expected = [
        "JCQ Form M1 attachment", "Report of suspected candidate malpractice (JCQ Form M1)", "Awarding body AQA",
        "Date of incident Mon 30 Nov 2026", "Time (AM/PM session) 08:17 (AM session)", "Centre number 61234",
        "Centre name Hillcrest Academy", "Candidate number 4021", "Candidate name Zoë Hall",
        "Specification / component code 8300/1H", "Paper title Mathematics Paper 1 (Higher)", "Room Sports hall",
        "Mrs K. Invig Invigilator (found the phone)", "Mr T. Ellis Confiscated the phone",
        "A mobile phone was found on the candidate's person during the examination in Sports hall at 08:17 by "
        "Mrs K. Invig. The phone was switched on.", "sealed in bag BAG-0001",
        "Phone switched on yes", "On the candidate's person yes",
        "Warning to Candidates displayed outside the exam room? yes",
        "Candidate issued with the Information for Candidates? no",
        "Candidates reminded of the regulations at the start? not recorded",
        f"record {receipt.custody_id}",
    ]
    for phrase in expected:
        assert phrase in text, phrase


def test_the_m1_command_writes_the_attachment_and_refuses_a_record_that_is_no_exam(school, tmp_path):
    s = school
    exam = s.confiscate(reason=EXAM, exam=FULL)
    lesson = s.confiscate(1)
    s.confiscate(2, reason=EXAM, exam=ExamDetails(board="OCR", paper="J560/01"))
    s.confiscate(3, reason=EXAM, exam=ExamDetails(board="AQA", paper="8300/2H"))
    code, said, err = s.cli("report", "exams", "--period", "day")
    assert code == 0, err
    assert "Per exam board: AQA 2, OCR 1 (total 3)." in said
    row = [str(exam.custody_id), "4021", "Mrs", "K.", "Invig"]  # record, candidate number, invigilator
    assert any(line.split()[-5:] == row for line in said.splitlines()), said
    out = tmp_path / "m1.pdf"
    code, said, err = s.cli("report", "m1", "--custody", str(exam.custody_id), "--out", str(out))
    assert code == 0, err
    assert "Candidate number 4021" in " ".join(pdf_text(out).split())
    code, said, err = s.cli("report", "m1", "--custody", str(lesson.custody_id), "--out", str(tmp_path / "x.pdf"))
    assert code != 0 and "is not a phone found in an exam" in said + err
    assert not (tmp_path / "x.pdf").exists()


async def test_the_confiscate_form_captures_the_m1_fields(school):
    ruby = school.pupils[4]
    app = kiosk_app(school, exam_centre_number="60999")
    async with signed_in(app) as pilot:
        screen = await open_confiscation(pilot, school, ruby)
        screen.query_one("#reason", Select).value = EXAM
        await pilot.pause()
        assert screen.query_one("#exam-centre", Input).value == "60999"  # the school's, filled in
        for field_id, value in (("#exam-board", "WJEC"), ("#exam-paper", "C700U10-1"),
                                ("#exam-title", "English Language Component 1"), ("#exam-candidate", "5123"),
                                ("#exam-invigilator", "Mr B. Watch"), ("#exam-time", "14:05"),
                                ("#exam-room", "Hall")):
            screen.query_one(field_id, Input).value = value
        screen.query_one("#exam-switched-on", Select).value = "no"
        screen.query_one("#exam-on-person", Select).value = "yes"
        screen.query_one("#exam-reminded", Select).value = "yes"
        await pilot.pause()
        keep_shot(pilot.app, "confiscate-exam")
        await fill_and_save_confiscation(pilot, screen)
        await settle(pilot)
        assert screen.receipt is not None
    details = exam_incident_of(screen.receipt.custody_id).details
    assert details == ExamDetails(board="WJEC", paper="C700U10-1", room="Hall", invigilator="Mr B. Watch",
                                  candidate_number="5123", centre_number="60999",
                                  paper_title="English Language Component 1", time_found="14:05", switched_on=False,
                                  on_person=True, warning_displayed=None, information_issued=None,
                                  reminded_at_start=True)
