"""Labels as the office prints them: every layout at its true size, every code scans back, nothing cut off.

Decoding uses the real zbar library (pyzbar, or the zbarimg command), never a stand-in. The other label test
modules import the helpers here (decode, roster names).
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_H
from qrcode.util import lost_point

from kiosk.custody.codes import grouped, new_code
from kiosk.labels import LAYOUTS, BagLabel, Layout, TagLabel, bag_label, get_layout, plan_tag_label, render_tag_label
from kiosk.labels.layouts import mm_to_px
from kiosk.labels.qr import masked_rows, penalty
from kiosk.labels.render import Box, plan_bag_label
from kiosk.labels.text import ELLIPSIS, fit_text, printable

# 38 pupils from a fictional SIMS export: among them the 1,500-pupil export's 16 longest and 16 most accented
# names, so hardest_names() picks the same names from this sample as from the whole file.
ROSTER = Path(__file__).resolve().parent / "data" / "rosters" / "sims" / "pupils.csv"
SCHOOL = "Hillcrest Academy"
FICTIONAL = [("Zoë Hall", "9C"), ("Łukasz Nowakowski", "9C"), ("Minh Nguyễn", "10HA"),
             ("Aoife Ó Súilleabháin", "7C"), ("Ruby Mitchell", "7C"), ("Leo Webb", "11B")]


# ---- helpers shared by the label tests -----------------------------------------------------------------


def decode(image: Image.Image) -> list[tuple[str, str]]:
    """Every symbol zbar finds in the image, as sorted (type, text): ("CODE128", …), ("QRCODE", …)."""
    try:
        from pyzbar import pyzbar
    except ImportError:  # pragma: no cover - pyzbar is a test dependency; zbarimg is the fallback
        return _decode_with_zbarimg(image)
    return sorted((symbol.type, symbol.data.decode()) for symbol in pyzbar.decode(image.convert("L")))


def _decode_with_zbarimg(image: Image.Image) -> list[tuple[str, str]]:
    if shutil.which("zbarimg") is None:
        pytest.fail("neither pyzbar nor zbarimg (zbar-tools) is installed: labels cannot be checked")
    buffer = io.BytesIO()
    image.convert("L").save(buffer, "PNG")
    result = subprocess.run(["zbarimg", "-q", "--raw", "-Sqrcode.enable", "-"], input=buffer.getvalue(),
                            capture_output=True, check=False)
    qr = [("QRCODE", line) for line in result.stdout.decode().split()]
    result = subprocess.run(["zbarimg", "-q", "--raw", "-Sdisable", "-Scode128.enable", "-"],
                            input=buffer.getvalue(), capture_output=True, check=False)
    return sorted(qr + [("CODE128", line) for line in result.stdout.decode().split()])


def scans_as(code: str) -> list[tuple[str, str]]:
    return [("CODE128", code), ("QRCODE", code)]


def roster_pupils() -> list[tuple[str, str]]:
    """(preferred name, form) for every pupil in the fictional sample roster."""
    with ROSTER.open(encoding="utf-8-sig", newline="") as handle:
        return [(f"{row['Preferred Forename'] or row['Legal Forename']} {row['Legal Surname']}", row["Reg"])
                for row in csv.DictReader(handle)]


def hardest_names(count: int) -> list[tuple[str, str]]:
    """The roster's longest names and its most accented ones (and the fixtures' own), `count` in all."""
    pupils = roster_pupils()
    longest = sorted(pupils, key=lambda p: -len(p[0]))
    accented = sorted(pupils, key=lambda p: -sum(not c.isascii() for c in p[0]))
    chosen: list[tuple[str, str]] = []
    for pupil in FICTIONAL + [p for pair in zip(longest, accented, strict=True) for p in pair]:
        if pupil not in chosen:
            chosen.append(pupil)
        if len(chosen) == count:
            break
    return chosen


def labels_for(names: list[tuple[str, str]]) -> list[TagLabel]:
    return [TagLabel(code=new_code(), name=name, form=form, school=SCHOOL) for name, form in names]


# ---- sizes and geometry ----------------------------------------------------------------------------------


def test_brother_62x29_label_is_exactly_the_printers_696_by_271_dots():
    image = render_tag_label(TagLabel(new_code(), "Zoë Hall", "9C", SCHOOL), "brother-62x29")
    assert image.size == (696, 271)
    assert image.mode == "1"


@pytest.mark.parametrize("key", sorted(LAYOUTS))
def test_each_layout_renders_at_its_printers_true_resolution(key):
    layout = LAYOUTS[key]
    image = render_tag_label(TagLabel(new_code(), "Ruby Mitchell", "7C", SCHOOL), layout)
    assert layout.dpi == 300  # Brother QL, Dymo LabelWriter and the sheets' images: 300 dots per inch
    if layout.image_px:
        assert image.size == layout.image_px
    else:
        assert image.size == (mm_to_px(layout.label_mm[0], 300), mm_to_px(layout.label_mm[1], 300))


def test_dymo_labels_are_their_box_sizes_at_300_dpi():
    assert LAYOUTS["dymo-99010"].size_px == (1051, 331)  # 89 × 28 mm
    assert LAYOUTS["dymo-99012"].size_px == (1051, 425)  # 89 × 36 mm
    assert LAYOUTS["dymo-99010"].page_mm == (28.0, 89.0)  # the driver's page is portrait (w79h252)


@pytest.mark.parametrize("key,across,down,size", [("a4-21", 3, 7, (63.5, 38.1)), ("a4-24", 3, 8, (63.5, 33.9))])
def test_sheet_layouts_sit_on_a4_with_the_published_margins_and_pitch(key, across, down, size):
    layout = LAYOUTS[key]
    sheet = layout.sheet
    assert (sheet.columns, sheet.rows, layout.label_mm, sheet.page_mm) == (across, down, size, (210.0, 297.0))
    first_left, first_top = sheet.cell_mm(0)
    last_left, last_top = sheet.cell_mm(sheet.per_sheet - 1)
    right_margin = 210.0 - (last_left + size[0])
    bottom_margin = 297.0 - (last_top + size[1])
    assert first_left == pytest.approx(right_margin, abs=0.05)  # centred across the page
    assert first_top == pytest.approx(bottom_margin, abs=0.05)  # and down it
    assert sheet.pitch_mm[0] >= size[0] and sheet.pitch_mm[1] >= size[1]  # labels never overlap
    assert sheet.cell_mm(sheet.per_sheet) == sheet.cell_mm(0)  # the next sheet starts at the top again


# ---- every layout scans back -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(LAYOUTS))
def test_every_layout_scans_back_for_the_longest_and_most_accented_names(key):
    for label in labels_for(hardest_names(16)):
        assert decode(render_tag_label(label, key)) == scans_as(label.code), (key, label.name)


@pytest.mark.parametrize("key", sorted(LAYOUTS))
def test_nothing_is_cut_off_and_quiet_zones_stay_clear(key):
    layout = get_layout(key)
    for label in labels_for(hardest_names(12)):
        plan = plan_tag_label(label, layout)
        image = render_tag_label(label, layout).convert("L")
        width, height = image.size
        margin_x, margin_y = layout.margin_px
        assert plan.safe == Box(margin_x, margin_y, width - margin_x, height - margin_y)
        parts = [plan.qr_zone, plan.bars_zone] + [line.box for line in plan.lines]
        for part in parts:
            assert part.inside(plan.safe), (label.name, part)
        for index, part in enumerate(parts):
            for other in parts[index + 1:]:
                assert not part.overlaps(other), (label.name, part, other)
        # No ink in the margins: nothing reaches the edge of the label.
        pixels = image.load()
        for x in range(width):
            for y in list(range(plan.safe.top)) + list(range(plan.safe.bottom, height)):
                assert pixels[x, y] == 255, (label.name, x, y)
        for y in range(height):
            for x in list(range(plan.safe.left)) + list(range(plan.safe.right, width)):
                assert pixels[x, y] == 255, (label.name, x, y)
        # Quiet zones: only the symbols' own modules are dark inside them.
        zone = image.crop((plan.bars_zone.left, plan.bars_zone.top, plan.bars.left, plan.bars_zone.bottom))
        assert zone.getextrema() == (255, 255)
        zone = image.crop((plan.bars.right, plan.bars_zone.top, plan.bars_zone.right, plan.bars_zone.bottom))
        assert zone.getextrema() == (255, 255)
        ring = image.crop((plan.qr_zone.left, plan.qr_zone.top, plan.qr_zone.right, plan.qr_zone.bottom)).copy()
        ring.paste(255, (plan.qr_symbol.left - plan.qr_zone.left, plan.qr_symbol.top - plan.qr_zone.top,
                         plan.qr_symbol.right - plan.qr_zone.left, plan.qr_symbol.bottom - plan.qr_zone.top))
        assert ring.getextrema() == (255, 255)


def test_the_code_is_printed_grouped_for_people_and_whole_for_scanners():
    code = new_code()
    plan = plan_tag_label(TagLabel(code, "Leo Webb", "11B", SCHOOL), "brother-62x29")
    lines = {line.name: line.fitted.text for line in plan.lines}
    assert lines == {"name": "Leo Webb", "form": "11B", "code": grouped(code), "school": SCHOOL}


def test_long_names_shrink_first_then_truncate_with_an_ellipsis():
    medium = fit_text("Anne-Marie Richardson", "name", max_width=450, max_height=62, min_height=26)
    full = fit_text("Anne-Marie Richardson", "name", max_width=5000, max_height=62, min_height=26)
    assert medium.text == "Anne-Marie Richardson" and not medium.truncated
    assert medium.size < full.size  # shrunk to fit, not cut
    longest = fit_text("Alexander Fitzgerald-Ashworth-Montgomery", "name", max_width=450, max_height=62,
                       min_height=40)
    assert longest.truncated and longest.text.endswith(ELLIPSIS)
    assert "Alexander Fitzgerald-Ashworth-Montgomery".startswith(longest.text.removesuffix(ELLIPSIS))
    assert longest.width <= 450 and longest.height <= 62


def test_the_longest_roster_name_is_whole_on_the_smallest_label_broken_over_two_lines():
    # Issue 17: it used to be cut short with an ellipsis, losing the surname; now it breaks over two lines.
    name, form = max(roster_pupils(), key=lambda p: len(p[0]))
    plan = plan_tag_label(TagLabel(new_code(), name, form, SCHOOL), "brother-62x29")
    drawn = [line.fitted.text for line in plan.lines if line.name.startswith("name")]
    assert len(drawn) == 2 and ELLIPSIS not in "".join(drawn)
    assert " ".join(drawn).replace("- ", "-") == name


def test_accented_and_non_english_latin_names_use_the_fonts_own_letters():
    for name, _form in FICTIONAL + roster_pupils():
        assert printable(name) == name, name  # every letter exists in the shipped DejaVu fonts
    plain = render_tag_label(TagLabel("K7XQ2M4P", "Zoe Hall", "9C", SCHOOL), "brother-62x29")
    accented = render_tag_label(TagLabel("K7XQ2M4P", "Zoë Hall", "9C", SCHOOL), "brother-62x29")
    assert plain.tobytes() != accented.tobytes()  # the diaeresis is drawn, not dropped


def test_a_letter_the_fonts_lack_becomes_its_plain_letter_or_a_question_mark_never_a_box():
    assert printable("Nguyễn") == "Nguyễn"
    assert printable("李") == "?"
    plan = plan_tag_label(TagLabel(new_code(), "Li 李", "8B", SCHOOL), "a4-21")
    assert next(line for line in plan.lines if line.name == "name").fitted.text == "Li ?"


def test_names_typed_with_combining_accents_are_drawn_composed():
    decomposed = "Zoe\u0308 Nguye\u0302\u0303n"
    assert TagLabel(new_code(), decomposed, "9C", SCHOOL).name == "Zoë Nguyễn"


# ---- QR masks ----------------------------------------------------------------------------------------------


def test_fast_qr_masks_are_identical_to_the_qrcode_packages_and_scored_the_same():
    for code in [new_code() for _ in range(40)] + ["HTTPS://EXAMPLE.ORG/A-LONGER-PAYLOAD-FOR-VERSION-3"]:
        ours = masked_rows(code, ERROR_CORRECT_H)
        for mask in range(8):
            reference = qrcode.QRCode(error_correction=ERROR_CORRECT_H, border=0, mask_pattern=mask)
            reference.add_data(code)
            reference.make(fit=True)
            rows = ["".join("1" if m else "0" for m in row) for row in reference.get_matrix()]
            assert ours[mask] == rows, (code, mask)
            assert penalty(ours[mask]) == lost_point([[c == "1" for c in row] for row in rows])


# ---- layouts are data ---------------------------------------------------------------------------------------


def test_adding_a_layout_is_one_entry_of_data():
    badge = Layout(key="test-50x30", title="A 50 × 30 mm roll", label_mm=(50.0, 30.0), margin_mm=(1.0, 1.0),
                   cups_media="Custom.50x30mm")
    label = TagLabel(new_code(), "Aoife Ó Súilleabháin", "7C", SCHOOL)
    image = render_tag_label(label, badge)
    assert image.size == (591, 354)
    assert decode(image) == scans_as(label.code)


# ---- the bag label ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["brother-62x29", "brother-62", "dymo-99010", "dymo-99012"])
def test_bag_label_has_the_confiscation_details_and_scans_back(key):
    label = BagLabel(code=new_code(), name="Łukasz Nowakowski", form="9C", confiscated_on=date(2026, 11, 30),
                     reason="Phone used in a lesson after a warning", seal_number="S-004512", school=SCHOOL)
    plan = plan_bag_label(label, key)
    texts = {line.name: line.fitted.text for line in plan.lines}
    assert texts["name"] == "Łukasz Nowakowski"
    assert texts["held"] == "9C · CONFISCATED 30 Nov 2026"
    assert texts["seal"] == "Seal/bag no. S-004512"
    assert texts["reason"].startswith("Reason: Phone used")
    assert decode(bag_label(label, key)) == scans_as(label.code)


def test_a_continuous_roll_gives_the_bag_label_a_longer_piece():
    label = BagLabel(code=new_code(), name="Leo Webb", form="11B", confiscated_on=date(2026, 11, 30),
                     reason="Filming another pupil", seal_number="A1", school=SCHOOL)
    assert bag_label(label, "brother-62").size == (696, mm_to_px(50, 300))
    assert bag_label(label, "brother-62x29").size == (696, 271)  # die-cut labels are what they are


# ---- the whole roster ---------------------------------------------------------------------------------------


def test_the_whole_sample_roster_scans_back_on_the_smallest_label():
    # The sample's 38 (it used to be 1,500 from beside the repository; rendering 1,500 is bench/labels.py's job).
    labels = labels_for(roster_pupils())
    assert len(labels) == 38

    def scans_back(label: TagLabel) -> bool:
        return decode(render_tag_label(label, "brother-62x29")) == scans_as(label.code)

    # Two threads at once, as a print worker and a preview would: rendering must be thread-safe too.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(scans_back, labels))
    assert [label.name for label, ok in zip(labels, results, strict=True) if not ok] == []


def test_the_labels_package_never_loads_textual():
    code = "import sys, kiosk.labels; print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
