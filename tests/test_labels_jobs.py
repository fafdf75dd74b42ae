"""Choosing, printing and recording labels; replacing a lost tag at the desk; the confiscation bag label.

Real SQLite school (tests/conftest.py), real files; printers that fail are real failures (a folder that is
a file, a Brother layout mismatch), not mocks.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from PIL import Image

from kiosk.audit import verify
from kiosk.clock import to_db
from kiosk.custody import NotPermitted, RetiredTag, State, UnknownTag, hand_back, hand_in, normalise
from kiosk.custody import resolve as resolve_scan
from kiosk.custody.codes import grouped, new_code
from kiosk.db import Custody, Event, Pupil, Tag
from kiosk.errors import DeskError
from kiosk.labels import (
    LAYOUTS,
    BrotherPrinter,
    FilePrinter,
    LabelChoice,
    NothingToPrint,
    PrintFailed,
    bag_label,
    bag_label_for,
    make_printer,
    plan_bag_label,
    preview,
    print_bag_label,
    print_labels,
    replace_tag,
    replace_tag_and_print,
    tags_to_print,
)
from tests.test_labels_render import decode, scans_as


def names(tags) -> list[str]:
    return [tag.pupil.display_name for tag in tags]


def events(action: str) -> list[Event]:
    return list(Event.select().where(Event.action == action).order_by(Event.seq))


def broken_printer(tmp_path) -> FilePrinter:
    (tmp_path / "not-a-folder").write_text("")
    return FilePrinter(tmp_path / "not-a-folder" / "labels.pdf")


# ---- choosing ----------------------------------------------------------------------------------------------


def test_labels_can_be_chosen_by_pupil_form_year_everyone_or_never_printed(school):
    zoe, lukasz, minh = school.pupils[0], school.pupils[1], school.pupils[2]
    assert names(tags_to_print(LabelChoice(pupil_id=minh.id))) == ["Minh Nguyễn"]
    assert names(tags_to_print(LabelChoice(form="9c"))) == ["Zoë Hall", "Łukasz Nowakowski"]
    assert names(tags_to_print(LabelChoice(year=7))) == ["Ruby Mitchell", "Aoife Ó Súilleabháin"]
    # Everyone, in the order the office hands them out: by form (7 before 10), then surname.
    assert names(tags_to_print(LabelChoice())) == ["Ruby Mitchell", "Aoife Ó Súilleabháin", "Zoë Hall",
                                                   "Łukasz Nowakowski", "Minh Nguyễn", "Leo Webb"]
    Tag.update(label_printed_at=to_db(school.clock.now())).where(Tag.pupil == zoe.id).execute()
    assert names(tags_to_print(LabelChoice(form="9C", never_printed=True))) == ["Łukasz Nowakowski"]
    Pupil.update(active=False).where(Pupil.id == lukasz.id).execute()  # left the school
    assert names(tags_to_print(LabelChoice(form="9C"))) == ["Zoë Hall"]
    assert names(tags_to_print(LabelChoice(pupil_id=lukasz.id))) == ["Łukasz Nowakowski"]  # chosen by name


def test_the_preview_shows_a_count_per_form_the_layout_and_the_printer(school, tmp_path):
    shown = preview(LabelChoice(), LAYOUTS["a4-21"], FilePrinter(tmp_path / "x.pdf").description)
    assert shown.total == 6 and shown.pages == 1
    assert shown.per_form == (("7C", 2), ("9C", 2), ("10HA", 1), ("11B", 1))
    assert shown.lines() == ["6 labels for everyone on roll on 1 sheet", "7C 2, 9C 2, 10HA 1, 11B 1",
                             f"Layout: {LAYOUTS['a4-21'].title}", f"Printer: file {tmp_path / 'x.pdf'}"]


# ---- printing and recording it --------------------------------------------------------------------------------


def test_a_print_marks_the_tags_printed_and_writes_one_audit_event(school, tmp_path):
    printer = FilePrinter(tmp_path / "9c.pdf")
    result = print_labels(school.ctx(), choice=LabelChoice(form="9C"), layout="a4-21", printer=printer)
    assert result.labels == 2 and result.layout == "a4-21"
    assert result.message.startswith("PRINTED 2 labels (form 9C) on file ")
    assert (tmp_path / "9c.pdf").read_bytes().startswith(b"%PDF-")
    printed = {t.pupil.display_name: t.label_printed_at for t in Tag.select().join(Pupil)}
    now = to_db(school.clock.now())
    assert printed == {"Zoë Hall": now, "Łukasz Nowakowski": now, "Minh Nguyễn": None,
                       "Aoife Ó Súilleabháin": None, "Ruby Mitchell": None, "Leo Webb": None}
    [event] = events("LABELS_PRINTED")
    assert event.payload_json == ('{"choice":"form 9C","count":2,"detail":"saved to ' + str(tmp_path / "9c.pdf")
                                  + '","layout":"a4-21","print_job":1,"printer":"file ' + str(tmp_path / "9c.pdf")
                                  + '"}')
    assert event.staff_id == school.office.staff_id and event.desk == "Reception 1"
    assert verify(school.keyring.audit_key).ok
    with pytest.raises(NothingToPrint, match="No labels to print for form 9C, never printed only"):
        print_labels(school.ctx(), choice=LabelChoice(form="9C", never_printed=True), layout="a4-21",
                     printer=printer)


def test_one_pupils_label_is_audited_against_the_pupil_and_tag(school, tmp_path):
    minh = school.pupils[2]
    print_labels(school.ctx(), choice=LabelChoice(pupil_id=minh.id), layout="brother-62x29",
                 printer=FilePrinter(tmp_path / "minh.png"))
    [event] = events("LABELS_PRINTED")
    assert event.pupil_id == minh.id and event.tag_id == Tag.get(Tag.pupil == minh.id).id
    with Image.open(tmp_path / "minh.png") as image:
        assert decode(image) == scans_as(school.tag_of(minh))


def test_a_failed_print_marks_nothing_and_records_nothing(school, tmp_path):
    with pytest.raises(PrintFailed, match="NOT PRINTED: could not save"):
        print_labels(school.ctx(), choice=LabelChoice(), layout="a4-21", printer=broken_printer(tmp_path))
    assert Tag.select().where(Tag.label_printed_at.is_null(False)).count() == 0
    assert events("LABELS_PRINTED") == []
    assert len(tags_to_print(LabelChoice(never_printed=True))) == 6  # so the same choice prints them all again


def test_a_layout_the_printer_cannot_take_is_refused_before_anything_happens(school, tmp_path):
    with pytest.raises(PrintFailed, match="a4-21 layout is not a Brother QL roll"):
        print_labels(school.ctx(), choice=LabelChoice(), layout="a4-21",
                     printer=BrotherPrinter(str(tmp_path / "raster.bin")))
    assert not (tmp_path / "raster.bin").exists()
    assert events("LABELS_PRINTED") == []


def test_a_teacher_cannot_print_labels_or_replace_tags(school, tmp_path):
    teacher = school.ctx(school.signed_in("TE"))
    with pytest.raises(NotPermitted):
        print_labels(teacher, choice=LabelChoice(), layout="a4-21", printer=FilePrinter(tmp_path / "x.pdf"))
    with pytest.raises(NotPermitted):
        replace_tag(teacher, pupil_id=school.pupils[0].id)


def test_printing_from_worker_threads_is_safe(school, tmp_path):
    outcomes: list[object] = []

    def worker(form: str) -> None:
        try:
            outcomes.append(print_labels(school.ctx(), choice=LabelChoice(form=form), layout="a4-24",
                                         printer=FilePrinter(tmp_path / f"{form}.pdf")).labels)
        except Exception as exc:  # reported below with the thread's result
            outcomes.append(exc)

    threads = [threading.Thread(target=worker, args=(form,)) for form in ("7C", "9C", "10HA", "11B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == [1, 1, 2, 2]
    assert len(events("LABELS_PRINTED")) == 4
    assert verify(school.keyring.audit_key).ok


# ---- replacing a lost or damaged tag ------------------------------------------------------------------------


def test_a_lost_tag_is_replaced_and_its_old_code_says_so_when_scanned(school):
    zoe = school.pupils[0]
    old = school.tag_of(zoe)
    replaced = replace_tag(school.ctx(), pupil_id=zoe.id, reason="lost")
    assert replaced.old_code == old and replaced.old_status == "lost" and replaced.new_code != old
    assert replaced.message.startswith(f"New tag {grouped(replaced.new_code)} for Zoë Hall (9C). Old tag "
                                       f"{grouped(old)} is now lost")
    assert Tag.get(Tag.code == old).status == "lost"
    with pytest.raises(RetiredTag, match=f"was lost and no longer counts.*{grouped(replaced.new_code)}"):
        resolve_scan(normalise(old))
    assert resolve_scan(normalise(replaced.new_code)).pupil.id == zoe.id
    [event] = events("TAG_REPLACED")
    assert event.pupil_id == zoe.id and event.tag_id == replaced.new_tag_id
    assert f'"old_code":"{old}"' in event.payload_json and '"reason":"lost"' in event.payload_json
    assert verify(school.keyring.audit_key).ok


def test_a_damaged_tag_scanned_or_typed_grouped_is_retired(school):
    leo = school.pupils[5]
    old = school.tag_of(leo)
    replaced = replace_tag(school.ctx(), tag_code=grouped(old).lower(), reason="damaged")
    assert Tag.get(Tag.code == old).status == "retired" and replaced.old_status == "retired"
    assert Tag.get(Tag.id == replaced.new_tag_id).pupil_id == leo.id


def test_a_phone_in_the_office_goes_by_the_new_tag_and_is_handed_back_with_it(school):
    ruby = school.pupils[4]
    old = school.tag_of(ruby)
    handed_in = hand_in(school.ctx(), resolve_scan(normalise(old)))
    replaced = replace_tag(school.ctx(), tag_code=old, reason="damaged")
    assert replaced.custody_moved == handed_in.custody_id and replaced.slot == handed_in.slot
    assert "now goes by the new tag" in replaced.message
    school.clock.advance(hours=6)
    back = hand_back(school.ctx(), resolve_scan(normalise(replaced.new_code)))
    assert back.custody_id == handed_in.custody_id
    assert Custody.get_by_id(handed_in.custody_id).state == State.RETURNED
    assert verify(school.keyring.audit_key).ok


def test_a_tag_already_replaced_is_not_replaced_twice(school):
    aoife = school.pupils[3]
    old = school.tag_of(aoife)
    replaced = replace_tag(school.ctx(), tag_code=old)
    with pytest.raises(DeskError, match=f"already lost. Their current tag is {grouped(replaced.new_code)}"):
        replace_tag(school.ctx(), tag_code=old)
    assert Tag.select().where((Tag.pupil == aoife.id) & (Tag.status == "active")).count() == 1
    assert len(events("TAG_REPLACED")) == 1


def test_a_pupil_with_two_tags_is_asked_which_one(school):
    minh = school.pupils[2]
    Tag.create(code=new_code(), pupil=minh.id, device="smartwatch", created_at=to_db(school.clock.now()))
    with pytest.raises(DeskError, match="Minh Nguyễn has 2 tags .*smartwatch.*Scan the one to replace"):
        replace_tag(school.ctx(), pupil_id=minh.id)


def test_an_unknown_code_cannot_be_replaced(school):
    with pytest.raises(UnknownTag):
        replace_tag(school.ctx(), tag_code=new_code())


def test_replace_and_print_in_one_step(school, tmp_path):
    leo = school.pupils[5]
    done = replace_tag_and_print(school.ctx(), pupil_id=leo.id, reason="lost", layout="brother-62x29",
                                 printer=FilePrinter(tmp_path / "leo.png"))
    assert done.printed is not None and done.message.endswith("Label printed.")
    with Image.open(tmp_path / "leo.png") as image:
        assert decode(image) == scans_as(done.replaced.new_code)
    assert Tag.get_by_id(done.replaced.new_tag_id).label_printed_at is not None


def test_a_printer_failure_never_undoes_a_replacement(school, tmp_path):
    leo = school.pupils[5]
    old = school.tag_of(leo)
    done = replace_tag_and_print(school.ctx(), pupil_id=leo.id, reason="lost", layout="a4-21",
                                 printer=broken_printer(tmp_path))
    assert done.printed is None and "The label did NOT print: NOT PRINTED: could not save" in done.message
    assert Tag.get(Tag.code == old).status == "lost"
    assert names(tags_to_print(LabelChoice(pupil_id=leo.id, never_printed=True))) == ["Leo Webb"]


# ---- the confiscation bag label -----------------------------------------------------------------------------


def test_the_bag_label_comes_from_the_custody_record_and_scans_back(school, tmp_path):
    lukasz = school.pupils[1]
    receipt = hand_in(school.ctx(), resolve_scan(normalise(school.tag_of(lukasz))))
    # The confiscation flow records the reason and seal; here they are written as it would leave them.
    late_evening = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in London (BST)
    # The bag shows the reason's category (kiosk/labels/bags.py), never the free-text notes in `reason`.
    Custody.update(kind="confiscated", state=State.HELD_FOR_PARENT, reason_category="Phone out in an exam",
                   reason="notes never printed", seal_number="S-0042", opened_at=to_db(late_evening)) \
        .where(Custody.id == receipt.custody_id).execute()
    label = bag_label_for(receipt.custody_id, settings=school.settings)
    assert (label.name, label.form, label.reason, label.seal_number, label.school) == (
        "Łukasz Nowakowski", "9C", "Phone out in an exam", "S-0042", "Hillcrest Academy")
    assert label.confiscated_on.isoformat() == "2026-07-02"  # the school's local date, not UTC's
    printed = print_bag_label(label, layout="brother-62", printer=FilePrinter(tmp_path / "bag.png"))
    assert printed.labels == 1
    with Image.open(tmp_path / "bag.png") as image:
        assert image.size == (696, 591)
        assert decode(image) == scans_as(school.tag_of(lukasz))


def test_the_printer_settings_make_the_right_printer_or_say_what_is_missing(tmp_path):
    assert make_printer("cups", "Reception_QL", media="Custom.62x29mm").description == "CUPS queue Reception_QL"
    assert make_printer("brother", "tcp://192.0.2.7:9100", brother_model="QL-820NWB").description == \
        "Brother QL-820NWB at tcp://192.0.2.7:9100"
    assert make_printer("file", str(tmp_path / "x.pdf")).description == f"file {tmp_path / 'x.pdf'}"
    with pytest.raises(PrintFailed, match="no printer is set up for labels"):
        make_printer("cups", "")
    with pytest.raises(PrintFailed, match="'fax' is not a kind of printer"):
        make_printer("fax", "0123")


def test_a_phone_on_a_safeguarding_hold_gets_a_bag_label_saying_hold_do_not_release(school, tmp_path):
    lukasz = school.pupils[1]
    receipt = hand_in(school.ctx(), resolve_scan(normalise(school.tag_of(lukasz))))
    Custody.update(kind="confiscated", state=State.SAFEGUARDING_HOLD, reason_category="Other",
                   reason="details for the DSL only", seal_number="S-0043").where(
        Custody.id == receipt.custody_id).execute()
    label = bag_label_for(receipt.custody_id, settings=school.settings)
    assert label.on_hold
    for layout in ("brother-62", "brother-62x29", "dymo-99012"):
        texts = [line.fitted.text for line in plan_bag_label(label, layout).lines]
        assert "HOLD — DO NOT RELEASE" in texts, (layout, texts)
        assert not any("DSL only" in text for text in texts)
        assert decode(bag_label(label, layout)) == scans_as(school.tag_of(lukasz))
    Custody.update(state=State.HELD_FOR_PARENT).where(Custody.id == receipt.custody_id).execute()
    released = bag_label_for(receipt.custody_id, settings=school.settings)
    assert not released.on_hold
    assert not any("HOLD" in line.fitted.text for line in plan_bag_label(released, "brother-62").lines)
