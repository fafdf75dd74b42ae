"""The roster import: MIS exports in, pupils, carers and tags out — or the whole file refused, by line."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kiosk.audit.verify import verify
from kiosk.clock import FixedClock
from kiosk.custody import codes, find_pupils
from kiosk.custody.scans import fold
from kiosk.db.models import Carer, Event, Pupil, Tag
from kiosk.roster import ImportReport, Problem, RosterError, import_roster, parse_carers, parse_pupils
from kiosk.roster.values import parse_year

# 38 pupils and their 83 carers, lines taken unchanged from a fictional 1,500-pupil SIMS export (BOM, CRLF):
# the longest and most accented names, hyphens, apostrophes, preferred names, every year from 7 to 13.
SAMPLE = Path(__file__).parent / "data/rosters/sims"
KEY = b"k" * 32
CLOCK_AT = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)

SIMS_HEADER = "Adno,UPN,Legal Surname,Legal Forename,Preferred Forename,Year,Reg"
THREE_PUPILS = [
    "1001,A100000000001,Webb,Sophia,,Year 7,7C",
    "1002,A100000000002,Mitchell,Ruby,Rue,Year 9,9C",
    "1003,A100000000003,Wood,Benjamin,,Year 9,9H",
]
CARERS_HEADER = "Adno,Contact Name,Relationship,Parental Responsibility,Priority,Telephone"
THREE_PUPILS_CARERS = [
    "1001,Mrs Leo Webb,Mother,Yes,1,07482584821",
    "1001,Dr Rosie Webb,Aunt,No,2,07627292722",
    "1002,Mr Tom Mitchell,Father,Yes,1,07344686928",
    "1003,Ms Ann Wood,Carer,Y,1,07900184257",
]


@pytest.fixture
def clock():
    return FixedClock(CLOCK_AT)


def write(path: Path, lines: list[str], *, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def run(clock, pupils: Path, carers: Path | None = None, *, dry_run: bool = False) -> ImportReport:
    return import_roster(pupils, carers, clock=clock, audit_key=KEY, desk="Reception 1", staff_id=None,
                         dry_run=dry_run)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.select().count() for model in (Pupil, Carer, Tag, Event)}


def pupil(mis_id: str) -> Pupil:
    return Pupil.get(Pupil.mis_id == mis_id)


def refused_problems(clock, pupils: Path, carers: Path | None = None) -> tuple[Problem, ...]:
    """The problems the import was refused for, checking nothing was written."""
    before = row_counts()
    with pytest.raises(RosterError) as caught:
        run(clock, pupils, carers)
    assert row_counts() == before
    return caught.value.problems


def refused(clock, pupils: Path, carers: Path | None = None) -> list[tuple[str, int, str]]:
    """The problems the import was refused for, as (file, line, message), checking nothing was written."""
    return [(problem.file, problem.line, problem.message) for problem in refused_problems(clock, pupils, carers)]


# The SIMS sample (tests/data/rosters/sims) ------------------------------------------------------------------


def test_sims_sample_imports_every_pupil_carer_and_tag(any_empty_db, clock):
    # Its speed at 1,500 pupils is measured by the benchmark, not asserted here.
    carer_rows = len(list(csv.reader((SAMPLE / "contacts.csv").read_text("utf-8-sig").splitlines()))) - 1

    report = run(clock, SAMPLE / "pupils.csv", SAMPLE / "contacts.csv")

    assert len(report.added) == 38 and report.carers_imported == carer_rows == 83
    assert row_counts() == {"Pupil": 38, "Carer": 83, "Tag": 38, "Event": 1}
    assert report.tags_created == 38 and report.pupils_without_carers == 0
    irish = pupil("194477")
    assert (irish.legal_surname, irish.year, irish.form, irish.active) == ("Ó Súilleabháin", 10, "10G", True)
    assert "suilleabhain" in irish.search_name
    assert {carer.name for carer in irish.carers} == {"Miss Jack Ó Súilleabháin", "Mr Reuben Ó Súilleabháin"}
    assert {(c.name, c.parental_responsibility) for c in irish.carers if c.priority == 2} == {
        ("Mr Reuben Ó Súilleabháin", True)}
    codes_made = [tag.code for tag in Tag.select()]
    assert len(set(codes_made)) == 38 and all(codes.is_valid(code) for code in codes_made)
    assert Tag.select().where(Tag.status == "active").count() == 38


def test_sims_sample_keeps_preferred_names_hyphens_apostrophes_and_every_year(empty_db, clock):
    run(clock, SAMPLE / "pupils.csv", SAMPLE / "contacts.csv")

    alice = pupil("437113")  # Legal Forename Alice, Preferred Forename Alex
    assert (alice.display_name, alice.preferred_forename, alice.search_name) == (
        "Alex O'Brien", "Alex", "alice alex o'brien")
    assert pupil("716175").search_name == "anne-marie richardson"
    assert pupil("166993").search_name == "lukasz webb"  # Ł has no accent to strip: folded by hand
    assert pupil("882019").legal_surname == "de la Cruz"
    assert Pupil.select().where(Pupil.preferred_forename.is_null(False)).count() == 7
    assert sorted({p.year for p in Pupil.select()}) == [7, 8, 9, 10, 11, 12, 13]
    assert len({p.form for p in Pupil.select()}) == 30
    assert (Carer.select().where(Carer.parental_responsibility).count(),
            Carer.select().where(~Carer.parental_responsibility).count()) == (41, 42)
    assert Carer.select().where(Carer.priority == 3).count() == 7


def test_reimporting_the_same_sims_files_changes_nothing(any_empty_db, clock):
    run(clock, SAMPLE / "pupils.csv", SAMPLE / "contacts.csv")
    tags_before = {tag.pupil_id: tag.code for tag in Tag.select()}

    again = run(clock, SAMPLE / "pupils.csv", SAMPLE / "contacts.csv")

    assert (len(again.added), len(again.updated), len(again.left), again.unchanged) == (0, 0, 0, 38)
    assert again.tags_created == 0
    assert row_counts() == {"Pupil": 38, "Carer": 83, "Tag": 38, "Event": 2}
    assert {tag.pupil_id: tag.code for tag in Tag.select()} == tags_before


def test_a_sims_pupil_missing_from_the_next_export_leaves_keeping_tag_and_carers(empty_db, clock, tmp_path):
    run(clock, SAMPLE / "pupils.csv", SAMPLE / "contacts.csv")
    leaver_tag = Tag.get(Tag.pupil == pupil("858563"))
    # The next export: the same files without Mohammed "Sam" Robinson (the last line of each).
    pupils = [line for line in (SAMPLE / "pupils.csv").read_text("utf-8-sig").splitlines()
              if not line.startswith("858563,")]
    carers = [line for line in (SAMPLE / "contacts.csv").read_text("utf-8-sig").splitlines()
              if not line.startswith("858563,")]

    report = run(clock, write(tmp_path / "pupils.csv", pupils), write(tmp_path / "contacts.csv", carers))

    assert [(note.mis_id, note.name, note.form) for note in report.left] == [("858563", "Sam Robinson", "7F")]
    assert (len(report.added), len(report.updated), report.unchanged) == (0, 0, 37)
    leaver = pupil("858563")
    assert (leaver.active, leaver.left_on) == (False, date(2026, 11, 30))
    assert Tag.get_by_id(leaver_tag.id).status == "active"
    # Only pupils on roll have their carers replaced: a leaver's phone still in the office can go home.
    assert report.carers_imported == 81
    assert sorted(c.name for c in leaver.carers) == ["Dr Ella Robinson", "Mrs Ivy Robinson"]


# Files as schools' MIS exports really are ----------------------------------------------------------------------

# A SIMS report saved as CSV: a title, a "printed" line and a blank row above the header (line 4); 20 pupils and
# their contacts with lines unchanged from the fictional export, and 3 contacts of pupils not in the report.
REPORT = Path(__file__).parent / "data/rosters/sims-report"
# Bromcom: its internal ID before the admission number, "Known As", and year-house forms such as 10-Sparrowhawk.
BROMCOM = Path(__file__).parent / "data/rosters/bromcom"


def test_a_titled_sims_report_is_read_from_its_header_line_and_says_which(empty_db, clock):
    report = run(clock, REPORT / "pupils.csv", REPORT / "contacts.csv")

    assert len(report.added) == 20 and Pupil.select().count() == 20
    assert (report.pupils_header_line, report.carers_header_line) == (4, 3)
    webb = pupil("942950")  # line 5, the first under the header
    assert (webb.legal_surname, webb.legal_forename, webb.year, webb.form) == ("Webb", "Sophia", 7, "7C")
    text = "\n".join(report.summary_lines())
    assert 'pupils.csv: the column headings are on line 4; above them, line 1 "Student Details - Phone Kiosk" ' \
           'and line 2 "Printed 01/09/2026 08:12 by Office" were skipped.' in text
    assert "contacts.csv: the column headings are on line 3" in text


def test_a_file_with_no_header_row_is_one_short_explanation_not_a_line_per_row(imported, clock, tmp_path):
    lines = (SAMPLE / "pupils.csv").read_text("utf-8-sig").splitlines()[1:]  # the header row deleted

    [problem] = refused_problems(clock, write(tmp_path / "pupils.csv", lines))

    assert (problem.file, problem.line) == ("pupils.csv", 0)
    message = problem.message
    assert message.startswith("has no row of column headings the kiosk knows in its first 20 lines")
    assert "admission number (Adno), surname, forename and form (Reg)" in message
    assert 'line 1 "942950,T9219080472N,Webb,Sophia,,Year 7,7C,M,05/05/2013"' in message
    with pytest.raises(RosterError) as caught:
        run(clock, write(tmp_path / "pupils.csv", lines))
    assert len(str(caught.value).splitlines()) == 2


def test_rows_that_all_disagree_with_the_header_are_one_problem(imported, clock, tmp_path):
    lines = ["Adno,Legal Surname,Legal Forename,Reg",
             *[f"{1000 + n},Webb,Sophia,,Year 7,7C,M,05/05/2013" for n in range(300)]]

    [(file, line, message)] = refused(clock, write(tmp_path / "pupils.csv", lines))

    assert (file, line) == ("pupils.csv", 2)
    assert message.startswith("this line and the 299 below it (all the rows) have 8 cells but the column headings "
                              "on line 1 have 4")


def test_contacts_of_pupils_not_in_the_pupils_file_are_listed_by_line_and_skipped(empty_db, clock):
    dry = run(clock, REPORT / "pupils.csv", REPORT / "contacts.csv", dry_run=True)
    assert row_counts() == {"Pupil": 0, "Carer": 0, "Tag": 0, "Event": 0}
    real = run(clock, REPORT / "pupils.csv", REPORT / "contacts.csv")

    for report in (dry, real):
        assert [(p.file, p.line, p.who) for p in report.carers_skipped] == [
            ("contacts.csv", 14, "Mrs Joseph Adams"), ("contacts.csv", 35, "Miss Sebastian Mitchell"),
            ("contacts.csv", 36, "Mrs Lucas Mitchell")]
        assert report.carers_imported == 47
    assert Carer.select().count() == 47
    assert not Carer.select().where(Carer.name == "Mrs Joseph Adams").exists()
    text = "\n".join(real.summary_lines())
    assert ("3 contacts in contacts.csv were skipped: their pupil is not in pupils.csv (a leaver, or a pupil "
            "the export left out).") in text
    assert "  contacts.csv line 14 (Mrs Joseph Adams): pupil 287798 is not in pupils.csv" in text
    assert "would be skipped" in "\n".join(dry.summary_lines())
    assert json.loads(Event.get().payload_json)["carers_skipped"] == 3


def test_a_repeated_admission_number_names_the_pupil_on_each_line(imported, clock, tmp_path):
    lines = [SIMS_HEADER,                                    # 1
             "1001,,Webb,Sophia,,Year 7,7C",                 # 2
             "1002,,Mitchell,Ruby,,Year 9,9C",               # 3
             "1004,,Smith,Jane,,Year 8,8A",                  # 4
             "", "",                                         # 5, 6
             '1005,,"Green\nHill",Amy,,Year 8,8A',           # 7-8: a name over two lines
             "1006,,Hall,Zoe,,Year 8,8A",                    # 9
             "1007,,Khan,Ali,,Year 8,8A",                    # 10
             "1004,,Powell,Alfie,,Year 8,8B"]                # 11

    problems = refused_problems(clock, write(tmp_path / "pupils.csv", lines))

    assert [(p.line, p.who) for p in problems] == [(7, "Amy Green Hill, 1005"), (11, "Alfie Powell, 1004")]
    assert problems[1].message == "admission number 1004 is already used on line 4 (Jane Smith)"
    assert str(problems[1]) == ("pupils.csv line 11 (Alfie Powell, 1004): admission number 1004 is already used "
                                "on line 4 (Jane Smith)")


def test_bromcom_year_house_forms_of_any_length_are_kept_whole(empty_db, clock):
    report = run(clock, BROMCOM / "pupils.csv")

    assert len(report.added) == 20
    forms = {p.form for p in Pupil.select()}
    assert {"8-Kestrel", "10-Sparrowhawk", "13-Sparrowhawk", "11-Harrier"} <= forms
    jo = pupil("439259")  # Bromcom's ID 90013 is not the admission number
    assert (jo.display_name, jo.year, jo.form) == ("Jo Johnson", 10, "10-Peregrine")
    # The name list at the desk: by surname as the office reads it (case and accents aside), whatever the form.
    listed = [(p.name, p.form) for p in find_pupils("a", limit=40)]
    assert listed[2:5] == [("Teddy Davies", "10-Kestrel"), ("Sofia de la Cruz", "8-Harrier"),
                           ("Theodore de la Cruz", "11-Harrier")]
    assert listed[9:12] == [("Sienna Morris", "8-Sparrowhawk"), ("Ava Ó Súilleabháin", "10-Osprey"),
                            ("Ava Owen", "9-Kestrel")]
    assert listed[-3:] == [("Mason van der Berg", "7-Osprey"), ("Charlotte Watson", "11-Kestrel"),
                           ("Luna White", "13-Kestrel")]
    surnames = [fold(name.split(" ", 1)[1]) for name, _form in listed]
    assert surnames == sorted(surnames) and len(listed) == 16


# Re-imports: updates, leavers, returners --------------------------------------------------------------------


def test_changed_form_and_missing_pupil_are_one_update_and_one_leaver_keeping_tag(any_empty_db, clock, tmp_path):
    run(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS]))
    leaver_tag = Tag.get(Tag.pupil == pupil("1003"))
    moved = [SIMS_HEADER, THREE_PUPILS[0], "1002,A100000000002,Mitchell,Ruby,Rue,Year 10,10C"]

    report = run(clock, write(tmp_path / "pupils.csv", moved))

    assert [note.mis_id for note in report.updated] == ["1002"]
    assert report.updated[0].changes == ("year 9 → 10", "form 9C → 10C")
    assert [note.name for note in report.left] == ["Benjamin Wood"]
    assert (len(report.added), report.unchanged, report.tags_created) == (0, 1, 0)
    assert (pupil("1002").form, pupil("1002").year) == ("10C", 10)
    leaver = pupil("1003")
    assert (leaver.active, leaver.left_on) == (False, date(2026, 11, 30))
    kept = Tag.get_by_id(leaver_tag.id)
    assert (kept.pupil_id, kept.code, kept.status) == (leaver.id, leaver_tag.code, "active")
    assert Pupil.select().count() == 3


def test_pupils_who_leave_with_a_phone_still_in_the_office_are_named_with_its_slot(school, tmp_path):
    # The school of tests/conftest.py: Leo's phone handed in this morning, Ruby's confiscated, Aoife's at home.
    from kiosk.custody import hand_in

    hand_in(school.ctx(), school.scanned(5))
    school.confiscate(4)
    staying = write(tmp_path / "pupils.csv", [SIMS_HEADER, "100001,,Hall,Zoë,,Year 9,9C",
                                              "100002,,Nowakowski,Łukasz,,Year 9,9C",
                                              "100003,,Nguyễn,Thi Minh,Minh,Year 10,10HA"])

    def imported(dry_run: bool) -> ImportReport:
        return import_roster(staying, None, clock=school.clock, audit_key=school.keyring.audit_key,
                             desk="Reception 1", staff_id=None, dry_run=dry_run)

    dry = imported(dry_run=True)
    real = imported(dry_run=False)

    phones = ["Left the roll with a phone still in the office: Leo Webb (11B), slot 11B-01 (handed in).",
              "Left the roll with a phone still in the office: Ruby Mitchell (7C), slot SAFE-01 (confiscated)."]
    for report in (dry, real):
        assert {note.name for note in report.left} == {"Aoife Ó Súilleabháin", "Ruby Mitchell", "Leo Webb"}
        assert [(phone.pupil.name, phone.slot) for phone in report.phones_of_leavers] == [
            ("Leo Webb", "11B-01"), ("Ruby Mitchell", "SAFE-01")]
        lines = report.summary_lines()
        assert [line for line in lines if "phone still in the office" in line] == phones
    # Said where the office will see it: after the leavers, before the counts of what stayed the same.
    lines = real.summary_lines()
    assert lines.index(phones[0]) > lines.index("3 pupils were marked as left.")
    assert lines.index(phones[1]) < next(i for i, line in enumerate(lines) if line.endswith("unchanged."))


def test_a_leaver_whose_phone_went_home_is_not_named_as_having_one(school, tmp_path):
    from kiosk.custody import hand_back, hand_in

    hand_in(school.ctx(), school.scanned(5))
    hand_back(school.ctx(), school.scanned(5))
    without_leo = write(tmp_path / "pupils.csv", [SIMS_HEADER, *(
        f"{p.mis_id},,{p.legal_surname},{p.legal_forename},,Year {p.year},{p.form}" for p in school.pupils[:5])])

    report = import_roster(without_leo, None, clock=school.clock, audit_key=school.keyring.audit_key,
                           desk="Reception 1", staff_id=None, dry_run=False)

    assert [note.name for note in report.left] == ["Leo Webb"] and report.phones_of_leavers == ()
    assert not any("phone still in the office" in line for line in report.summary_lines())


def test_leaving_date_is_the_schools_local_day(empty_db, tmp_path):
    late_summer_evening = FixedClock(datetime(2026, 7, 20, 23, 30, tzinfo=UTC))  # 00:30 on the 21st in London
    run(late_summer_evening, write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS]))

    run(late_summer_evening, write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS[:2]]))

    assert pupil("1003").left_on == date(2026, 7, 21)


def test_returning_pupil_is_back_on_roll_with_the_same_record_and_tag(any_empty_db, clock, tmp_path):
    run(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS]))
    first = pupil("1003")
    run(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS[:2]]))
    # Back a year later, in a new form, with the year left blank by the MIS.
    returning = [SIMS_HEADER, *THREE_PUPILS[:2], "1003,A100000000003,Wood,Benjamin,,,10H"]

    report = run(clock, write(tmp_path / "pupils.csv", returning))

    assert [note.mis_id for note in report.returned] == ["1003"]
    assert report.returned[0].changes == ("year 9 → —", "form 9H → 10H")
    assert (report.added, report.updated, report.left, report.tags_created) == ((), (), (), 0)
    back = pupil("1003")
    assert (back.id, back.active, back.left_on, back.year, back.form) == (first.id, True, None, None, "10H")
    assert Tag.select().where(Tag.pupil == back).count() == 1
    assert any("back on roll" in line for line in report.summary_lines())


def test_pupil_is_updated_only_when_a_field_really_changed(empty_db, clock, tmp_path):
    run(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS]))
    # Same data, different export: spacing, case of headers, "9" for "Year 9", CRLF.
    respaced = [" adno , upn ,LEGAL SURNAME, Legal forename ,Preferred Forename,year,reg",
                "1001 , A100000000001 , Webb , Sophia , , 7 , 7C",
                "1002,A100000000002,Mitchell,Ruby,Rue,Y9,9C",
                "1003,A100000000003,Wood,Benjamin,,Yr 9,9H"]

    report = run(clock, write(tmp_path / "pupils.csv", respaced, newline="\r\n"))

    assert (report.updated, report.unchanged) == ((), 3)


def test_columns_the_export_lacks_leave_stored_values_alone(empty_db, clock, tmp_path):
    run(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS]))
    without_upn_or_preferred = ["Adno,Surname,Forename,Year,Form", "1001,Webb,Sophia,7,7C",
                                "1002,Mitchell,Ruby,9,9C", "1003,Wood,Benjamin,9,9H"]

    report = run(clock, write(tmp_path / "plain.csv", without_upn_or_preferred))

    assert report.updated == ()
    assert (pupil("1002").upn, pupil("1002").preferred_forename) == ("A100000000002", "Rue")


def test_admission_numbers_stripped_of_leading_zeros_by_excel_still_match(empty_db, clock, tmp_path):
    run(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER, "001234,,Webb,Sophia,,7,7C"]))

    report = run(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER, "1234,,Webb,Sophia,,7,7C"]))

    assert (report.added, report.left, report.unchanged) == ((), (), 1)
    assert [p.mis_id for p in Pupil.select()] == ["001234"]


def test_losing_most_of_the_roll_is_flagged_as_probably_the_wrong_file(empty_db, clock, tmp_path):
    run(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS]))

    report = run(clock, write(tmp_path / "year7.csv", [SIMS_HEADER, THREE_PUPILS[0]]))

    assert len(report.left) == 2
    assert any("2 of the 3 pupils on roll" in problem.message for problem in report.problems)


# MIS shapes, encodings and cell formats ---------------------------------------------------------------------


@pytest.mark.parametrize(("shape", "lines"), [
    ("Arbor", ["MIS ID,UPN,First Name,Last Name,Preferred First Name,Year Group,Registration Form",
               "A77,B123456789012,Zara,Khan,Zee,Year 8,8R"]),
    ("Bromcom", ["ID,Admission No,Legal Forename,Legal Surname,Known As,NC Year,Reg Group",
                 "99912,A77,Zara,Khan,Zee,8,8R"]),
    ("plain", ["Student ID,Given Name,Family Name,Preferred Name,Curriculum Year,Tutor Group",
               "A77,Zara,Khan,Zee,Y8,8R"]),
])
def test_arbor_bromcom_and_plain_headers_are_understood(tmp_path, shape, lines):
    roster = parse_pupils(write(tmp_path / f"{shape}.csv", lines))

    [zara] = roster.pupils
    assert (zara.mis_id, zara.legal_forename, zara.legal_surname) == ("A77", "Zara", "Khan")
    assert (zara.preferred_forename, zara.year, zara.form) == ("Zee", 8, "8R")


def test_windows_1252_file_from_excel_keeps_accented_names(empty_db, clock, tmp_path):
    lines = [SIMS_HEADER, "2001,,Hall,Zoë,,Year 10,10HA", "2002,,Lefèvre,Renée,,Year 11,11B"]
    path = write(tmp_path / "pupils.csv", lines, encoding="cp1252", newline="\r\n")
    assert "Zoë".encode("cp1252") in path.read_bytes()

    run(clock, path)

    assert (pupil("2001").legal_forename, pupil("2002").display_name) == ("Zoë", "Renée Lefèvre")
    assert pupil("2001").search_name == "zoe hall"
    assert pupil("2002").search_name == "renee lefevre"


def test_utf8_bom_crlf_stray_spaces_and_blank_trailing_lines(empty_db, clock, tmp_path):
    lines = [" Adno ,  Legal Surname,Legal Forename , Preferred Forename ,Year ,Reg ",
             "  3001 ,  Nguyễn , Evelyn  ,  , Year 13 ,  13H  ",
             '3002,"O\'Brien", "Seán" ,,Reception,RA', "", ",,,,,", "   "]
    path = tmp_path / "pupils.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n\r\n")

    run(clock, path)

    evelyn = pupil("3001")
    assert (evelyn.legal_surname, evelyn.legal_forename) == ("Nguyễn", "Evelyn")
    assert evelyn.preferred_forename is None
    assert (evelyn.year, evelyn.form, evelyn.search_name) == (13, "13H", "evelyn nguyen")
    assert (pupil("3002").legal_surname, pupil("3002").year, pupil("3002").form) == ("O'Brien", 0, "RA")


@pytest.mark.parametrize(("delimiter", "encoding"), [(";", "utf-8"), ("\t", "utf-8"), ("\t", "utf-16")])
def test_semicolon_and_tab_separated_exports(tmp_path, delimiter, encoding):
    lines = [delimiter.join(line.split(",")) for line in [SIMS_HEADER, *THREE_PUPILS]]

    roster = parse_pupils(write(tmp_path / "pupils.txt", lines, encoding=encoding))

    assert [(p.mis_id, p.form) for p in roster.pupils] == [("1001", "7C"), ("1002", "9C"), ("1003", "9H")]


@pytest.mark.parametrize(("text", "year"), [
    ("Year 9", 9), ("9", 9), ("Y9", 9), ("Yr 9", 9), ("yr9", 9), ("NC Year 9", 9), ("Year 09", 9),
    ("Year 12", 12), ("Y13", 13), ("Reception", 0), ("R", 0), ("YR", 0), ("Year R", 0),
])
def test_year_groups_in_every_shape_the_mis_writes_them(text, year):
    assert parse_year(text) == year


@pytest.mark.parametrize("text", ["Year Nine", "9B", "Year 99", "Sixth Form", "-3"])
def test_things_that_are_not_year_groups(text):
    assert parse_year(text) is None


# Refusing bad files, whole ----------------------------------------------------------------------------------


@pytest.fixture
def imported(empty_db, clock, tmp_path):
    """A database that already holds a roll, so 'nothing written' means nothing changed, not just empty."""
    run(clock, write(tmp_path / "first.csv", [SIMS_HEADER, *THREE_PUPILS]),
        write(tmp_path / "first-carers.csv", [CARERS_HEADER, *THREE_PUPILS_CARERS]))
    return row_counts()


def test_missing_required_columns_are_each_named_on_the_header_line(imported, clock, tmp_path):
    path = write(tmp_path / "pupils.csv", ["UPN,Surname,Year", "A1,Webb,7"])

    problems = refused(clock, path)

    assert [(file, line) for file, line, _ in problems] == [("pupils.csv", 1)] * 3
    assert problems[0][2].startswith("has no admission number (Adno) column (looked for \"Adno\"")
    assert problems[1][2].startswith("has no forename column")
    assert problems[2][2].startswith("has no form (Reg) column")


def test_every_bad_row_is_listed_with_its_file_line_and_nothing_is_written(imported, clock, tmp_path):
    lines = [
        SIMS_HEADER,                                               # 1
        "1001,,Webb,Sophia,,Year 7,7C",                            # 2
        "1002,,,Ruby,,Year 9,9C",                                  # 3 empty surname
        '1003,,"Wood,\nJr",Benjamin,,Year 9,9H',                   # 4-5 one quoted cell over two lines
        "1001,,Webb,Sam,,Year 8,8C",                               # 6 duplicate id of line 2
        "1004,,Smith, Jr,Sam,,Year 8,8C",                          # 7 unquoted comma: one cell too many
        "1005,,Jones,Amy,,Year Nine,8C",                           # 8 year
        "1006,,Patel,,,Year 8,8C",                                 # 9 empty forename
        "",                                                        # 10
        "1007,,Short,Row",                                         # 11 too few cells
    ]
    problems = refused(clock, write(tmp_path / "pupils.csv", lines))
    who = {problem.line: problem.who for problem in refused_problems(clock, write(tmp_path / "pupils.csv", lines))}

    assert [line for _file, line, _message in problems] == [3, 4, 6, 7, 8, 9, 11]
    messages = dict((line, message) for _file, line, message in problems)
    assert "no surname" in messages[3]
    assert "surname runs over more than one line" in messages[4]
    assert "already used on line 2" in messages[6]
    assert "8 cells but the header has 7" in messages[7]
    assert "'Year Nine' is not a year group" in messages[8]
    assert "no forename" in messages[9] and "1006" in who[9]
    assert "4 cells" in messages[11]


def test_a_file_in_no_readable_encoding_is_refused_at_the_line_it_breaks(imported, clock, tmp_path):
    path = tmp_path / "pupils.csv"
    # 0x81 means nothing in UTF-8 or Windows-1252.
    path.write_bytes(f"{SIMS_HEADER}\r\n1001,,Webb,Sophia,,7,7C\r\n1002,,Mitch\x81ell,Ruby,,9,9C\r\n"
                     .encode("latin-1"))

    [(file, line, message)] = refused(clock, path)

    assert (file, line) == ("pupils.csv", 3) and "cannot be read" in message


def test_a_file_mixing_utf8_and_windows_1252_is_refused(imported, clock, tmp_path):
    path = tmp_path / "pupils.csv"
    path.write_bytes(f"{SIMS_HEADER}\n".encode() + "2001,,Hall,Zoë,,10,10H\n".encode("cp1252")
                     + "2002,,Nguyễn,Evelyn,,13,13H\n".encode())

    [(_file, line, message)] = refused(clock, path)

    assert line == 3 and "mixes two encodings" in message


def test_an_excel_workbook_is_refused_with_what_to_do(imported, clock, tmp_path):
    path = tmp_path / "pupils.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)

    [(_file, _line, message)] = refused(clock, path)

    assert "Save As" in message


def test_carers_bad_cells_are_refused_with_pupils_problems_but_a_stray_contact_is_not(imported, clock, tmp_path):
    pupils = write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS[:2], "1003,,Wood,,,9,9H"])
    carers = write(tmp_path / "contacts.csv", [
        CARERS_HEADER,
        "1001,Mrs Leo Webb,Mother,Yes,1,0748",
        "9999,Mr Nobody,Father,Yes,1,0700",  # 3: not in the pupils file: skipped, not a reason to refuse
        "1002,,Father,Yes,1,0700",  # 4: no name
        "1002,Mr Tom Mitchell,Father,Maybe,first,0700",  # 5: not yes/no, not a number
    ])

    problems = refused(clock, pupils, carers)

    assert [(file, line) for file, line, _ in problems] == [
        ("pupils.csv", 4), ("contacts.csv", 4), ("contacts.csv", 5), ("contacts.csv", 5)]
    assert "'Maybe' is not Yes or No" in problems[2][2] and "'first' is not a number" in problems[3][2]


def test_refusal_message_lists_every_problem_for_the_desk(tmp_path):
    path = write(tmp_path / "pupils.csv", [SIMS_HEADER, "1001,,,Sophia,,7,7C", "1002,,Mitchell,Ruby,,9,"])

    with pytest.raises(RosterError) as caught:
        parse_pupils(path)

    text = str(caught.value)
    assert "nothing was changed: 2 problems" in text
    assert "pupils.csv line 2 (Sophia, 1001): has no surname" in text
    assert "pupils.csv line 3 (Ruby Mitchell, 1002): has no form" in text


def test_empty_file_is_refused(empty_db, clock, tmp_path):
    assert refused(clock, write(tmp_path / "pupils.csv", ["", "  "]))[0][2].startswith("the file is empty")
    assert "no pupils" in refused(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER]))[0][2]


# Carers -----------------------------------------------------------------------------------------------------


def test_carers_are_replaced_by_the_files_list_not_added_to(imported, clock, tmp_path):
    pupils = write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS])
    carers = write(tmp_path / "contacts.csv", [CARERS_HEADER, THREE_PUPILS_CARERS[0], THREE_PUPILS_CARERS[2]])

    report = run(clock, pupils, carers)

    assert report.carers_imported == 2 and report.pupils_without_carers == 1
    assert [c.name for c in pupil("1001").carers] == ["Mrs Leo Webb"]
    # The MIS no longer lists Ann Wood: she must not stay as someone a confiscated phone can go to.
    assert list(pupil("1003").carers) == []
    assert "  1 pupil on roll with no carer in that file" in "\n".join(report.summary_lines())


def test_importing_pupils_alone_leaves_carers_as_they_were(imported, clock, tmp_path):
    run(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS]))

    assert Carer.select().count() == imported["Carer"] == 4


def test_carer_fields_in_their_different_spellings(tmp_path):
    path = write(tmp_path / "contacts.csv", [
        "Student ID,Title,First Name,Last Name,Relationship to Pupil,PR,Contact Priority,Mobile Number",
        "1001,Mrs,Ada,Webb,Mother,True,1.0,07482 584821",
        "1001,,Bo,Webb,Uncle,n,,",
        "1001,Dr,,Webb,Carer,1,3,",
    ])

    carers = parse_carers(path).carers

    assert [(c.name, c.relationship, c.parental_responsibility, c.priority, c.telephone) for c in carers] == [
        ("Mrs Ada Webb", "Mother", True, 1, "07482 584821"),
        ("Bo Webb", "Uncle", False, None, None),
        ("Dr Webb", "Carer", True, 3, None),
    ]


def test_carers_file_without_an_admission_number_column_is_one_problem_not_one_per_row(empty_db, clock, tmp_path):
    pupils = write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS])
    carers = write(tmp_path / "contacts.csv", ["Contact Name,Telephone", "Mrs Leo Webb,0748", "Mr Tom,07"])

    [(file, line, message)] = refused(clock, pupils, carers)

    assert (file, line) == ("contacts.csv", 1) and message.startswith("has no pupil's admission number")


# Dry run, audit, tags ---------------------------------------------------------------------------------------


def test_dry_run_reports_the_same_as_the_real_import_and_writes_nothing(imported, clock, tmp_path):
    pupils = write(tmp_path / "pupils.csv", [SIMS_HEADER, THREE_PUPILS[0], "1002,,Mitchell,Ruby,Rue,10,10C",
                                             "1004,,Ahmed,Yusuf,,7,7A"])
    carers = write(tmp_path / "contacts.csv", [CARERS_HEADER, *THREE_PUPILS_CARERS[:3]])

    dry = run(clock, pupils, carers, dry_run=True)
    assert row_counts() == imported
    real = run(clock, pupils, carers)

    assert dry.dry_run and not real.dry_run
    assert dry.counts() == real.counts() == {"on_roll": 3, "added": 1, "updated": 1, "left": 1, "returned": 0,
                                             "unchanged": 1, "carers": 3, "tags_created": 1}
    assert (dry.added, dry.updated, dry.left) == (real.added, real.updated, real.left)
    assert "Dry run" in dry.summary_lines()[0] and "would be added" in dry.summary_lines()[1]


def test_one_audit_event_records_the_import_and_the_chain_verifies(empty_db, clock, tmp_path):
    run(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS]),
        write(tmp_path / "contacts.csv", [CARERS_HEADER, *THREE_PUPILS_CARERS]))

    [event] = Event.select()
    assert (event.action, event.desk) == ("ROSTER_IMPORTED", "Reception 1")
    assert event.at == datetime(2026, 11, 30, 8, 30)
    payload = json.loads(event.payload_json)
    assert payload["pupils_file"] == "pupils.csv" and payload["carers_file"] == "contacts.csv"
    assert (payload["added"], payload["carers"], payload["tags_created"]) == (3, 4, 3)
    assert verify(KEY).first_bad_seq is None


def test_every_pupil_has_one_valid_unique_active_tag(empty_db, clock, tmp_path):
    run(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS]))
    Tag.update(status="lost").where(Tag.pupil == pupil("1001")).execute()

    report = run(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS]))

    assert report.tags_created == 1  # only the pupil whose tag was lost gets a new one
    tags = list(Tag.select())
    assert len({tag.code for tag in tags}) == 4 and all(codes.is_valid(tag.code) for tag in tags)
    assert all(tag.created_at == datetime(2026, 11, 30, 8, 30) for tag in tags)
    active = Tag.select().where(Tag.status == "active")
    assert sorted(tag.pupil.mis_id for tag in active) == ["1001", "1002", "1003"]


def test_a_new_code_that_is_already_taken_is_never_reused(empty_db, clock, tmp_path, monkeypatch):
    run(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER, THREE_PUPILS[0]]))
    taken = Tag.get().code
    spare = [codes.new_code(), codes.new_code()]
    offered = iter([taken, taken, spare[0], taken, spare[1]])
    monkeypatch.setattr(codes, "new_code", lambda: next(offered))

    report = run(clock, write(tmp_path / "pupils.csv", [SIMS_HEADER, *THREE_PUPILS[:3]]))

    assert report.tags_created == 2
    assert sorted(tag.code for tag in Tag.select()) == sorted([taken, *spare])


def test_the_roster_package_does_not_load_textual():
    probe = "import sys, kiosk.roster; print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).parents[1])
    assert result.stdout.strip() == "False"

