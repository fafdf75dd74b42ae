"""The M1 attachment: one phone found in an exam, set out in the order of JCQ Form M1 ("Report of suspected
candidate malpractice"), for the exams officer to attach to the form the head of centre sends the awarding body.

The M1 asks, for each incident: the awarding body; the date and time (AM/PM session); the centre number and name;
the candidate number and name; the qualification or specification code and title and the component; the names and
roles of the invigilators or other witnesses; in Section A how the malpractice was discovered, by whom and when; in
Section C whether the Warning to Candidates was displayed, the Information for Candidates issued and the candidates
reminded of the rules at the start of this examination. A phone's own facts (switched on, on the candidate's
person, where it is now) belong in Section A's description. What the school did not record is printed "not
recorded", never a guess.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.clock import local
from kiosk.config import Settings
from kiosk.documents.pdf import Document
from kiosk.documents.report_papers import yes_no
from kiosk.formatting import clock_time, day_month_year_time, weekday_date_year
from kiosk.reports.figures import ExamIncident

TITLE = "JCQ Form M1 attachment: a phone found in an exam"
FORM = "Report of suspected candidate malpractice (JCQ Form M1)"
NOT_RECORDED = "not recorded"


def _or(value: str) -> str:
    return value.strip() or NOT_RECORDED


def _session(time_found: str, recorded_at: datetime) -> str:
    """The M1 asks for the time and the AM/PM session: the time the invigilator found the phone when recorded,
    else the time the office recorded it (said so)."""
    if time_found:
        hour = int(time_found[:2])
        return f"{time_found} ({'AM' if hour < 12 else 'PM'} session)"
    return f"{clock_time(recorded_at)} ({'AM' if recorded_at.hour < 12 else 'PM'} session; the time the office " \
           "recorded it, the time found was not recorded)"


def what_happened(incident: ExamIncident, settings: Settings) -> str:
    """Section A in words: how it was discovered, by whom and when, and the phone's state."""
    exam = incident.details
    found_at = exam.time_found if exam and exam.time_found else ""
    where = f" in {incident.room}" if incident.room else ""
    person = {True: "on the candidate's person", False: "in the candidate's possession, not on their person",
              None: "in the candidate's possession"}[exam.on_person if exam else None]
    switched = {True: "The phone was switched on.", False: "The phone was switched off.",
                None: "Whether the phone was switched on was not recorded."}[exam.switched_on if exam else None]
    by = f" by {incident.invigilator}" if incident.invigilator else ""
    when = f" at {found_at}" if found_at else ""
    recorded = local(incident.at, settings.tz)
    confiscated_by = f"It was confiscated by {incident.confiscated_by} and " if incident.confiscated_by else "It was "
    return (f"A mobile phone was found {person} during the examination{where}{when}{by}. {switched} "
            f"{confiscated_by}handed to the school office, recorded at {day_month_year_time(recorded)}"
            f"{f' and sealed in bag {incident.seal_number}' if incident.seal_number else ''}; it is held under the "
            "school's policy and released only to a parent or carer.")


def m1_attachment(incident: ExamIncident, settings: Settings, *, made_at: datetime | None = None) -> bytes:
    """One incident's M1 attachment, as a PDF."""
    exam = incident.details
    doc = Document(TITLE, settings.school_name)
    recorded = local(incident.at, settings.tz)
    made = f" Printed {day_month_year_time(local(made_at, settings.tz))}." if made_at else ""
    doc.para(f"For the {FORM} the head of centre sends the awarding body. From the phone custody kiosk's record "
             f"{incident.custody_id} (the school's reference).{made}", size=9)
    doc.heading("Awarding body, centre and candidate")
    doc.facts([("Awarding body", _or(incident.board)),
               ("Date of incident", weekday_date_year(recorded.date())),
               ("Time (AM/PM session)", _session(exam.time_found if exam else "", recorded)),
               ("Centre number", _or((exam.centre_number if exam else "") or settings.exam_centre_number)),
               ("Centre name", settings.school_name),
               ("Candidate number", _or(incident.candidate_number)),
               ("Candidate name", incident.pupil), ("Form", incident.form)])
    doc.heading("Examination details")
    doc.facts([("Specification / component code", _or(incident.paper)),
               ("Paper title", _or(exam.paper_title if exam else "")),
               ("Room", _or(incident.room))])
    doc.heading("Invigilator(s) or other witnesses")
    doc.table(["Name", "Role"], [[_or(incident.invigilator), "Invigilator (found the phone)"]]
              + ([[incident.confiscated_by, "Confiscated the phone"]]
                 if incident.confiscated_by and incident.confiscated_by != incident.invigilator else []),
              widths_mm=[80, 80])
    doc.heading("Section A: the suspected malpractice")
    doc.para(what_happened(incident, settings))
    doc.facts([("Phone switched on", yes_no(exam.switched_on if exam else None)),
               ("On the candidate's person", yes_no(exam.on_person if exam else None))], label_mm=90)
    doc.heading("Section C: examinations")
    # The M1's three questions, each short enough for one line, so the answer stands beside its question.
    doc.facts([("Warning to Candidates displayed outside the exam room?",
                yes_no(exam.warning_displayed if exam else None)),
               ("Candidate issued with the Information for Candidates?",
                yes_no(exam.information_issued if exam else None)),
               ("Candidates reminded of the regulations at the start?",
                yes_no(exam.reminded_at_start if exam else None))], label_mm=135)
    # Closer than Document.signature_lines: the attachment stays on one page, to be stapled to the form.
    for who in ("exams officer", "head of centre"):
        doc.space(5).para(f"Signed ({who}): ______________________________   Date: ______________")
    return doc.render()
