"""Names that fit: on every layout, every pupil of the sample rosters (and long invented names) keeps the whole
surname, at no less than the layout's smallest legible size, at one name size across a print run, and every
label still scans with zbar. A long name breaks over two lines before it shrinks."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.custody.codes import new_code
from kiosk.labels import LAYOUTS, TagLabel, get_layout, plan_tag_label, render_tag_label
from kiosk.labels.layouts import MM_PER_INCH
from kiosk.labels.render import batch_name_size
from kiosk.roster.parse import parse_pupils
from tests.test_labels_render import SCHOOL, decode, scans_as

ROSTERS = Path(__file__).resolve().parent / "data" / "rosters"
# Invented, as long as real rolls have them: double-barrelled, particles, long forenames, accents.
LONG_NAMES = [
    ("Bartholomew Alexander", "Fitzgerald-Smith"),
    ("Łukasz", "Wójcik-Brzęczysz"),
    ("Łukasz", "Wójcik-Brzęczyszczykiewicz"),
    ("Maximiliano Valentino", "Rodríguez de la Fuente"),
    ("Oluwaseun", "Adebayo-Ogunleye"),
    ("Anastasia-Evangelina", "Papadopoulou"),
    ("Siobhán", "Ní Mhaoilmhichíl-Ó Conchobhair"),
    ("Thi Minh Khai", "Nguyễn-Trần"),
    ("Wilhelmina Charlotte", "Featherstonehaugh"),
]


def roster_names() -> list[tuple[str, str]]:
    """(name as printed, surname) for every pupil of every sample roster, as the kiosk reads them."""
    names = []
    for path in sorted(ROSTERS.glob("*/pupils.csv")):
        for pupil in parse_pupils(path).pupils:
            surname = pupil.preferred_surname or pupil.legal_surname
            names.append((f"{pupil.preferred_forename or pupil.legal_forename} {surname}", surname))
    assert len(names) > 50
    return names


def all_labels() -> list[TagLabel]:
    names = roster_names() + [(f"{fore} {sur}", sur) for fore, sur in LONG_NAMES]
    return [TagLabel(code=new_code(), name=name, form="10HA", school=SCHOOL, surname=surname)
            for name, surname in names]


def name_lines(plan) -> list:
    return [line for line in plan.lines if line.name.startswith("name")]


def shown_name(plan) -> str:
    text = ""
    for line in name_lines(plan):
        piece = line.fitted.text
        text += piece if not text or text.endswith("-") else f" {piece}"
    return text


@pytest.mark.parametrize("key", sorted(LAYOUTS))
def test_every_name_keeps_its_surname_at_a_legible_size_and_every_label_scans(key):
    layout = get_layout(key)
    labels = all_labels()
    whole = set(roster_names())
    size = batch_name_size(labels, layout)
    assert size is not None and size >= layout.min_name_px
    for label in labels:
        plan = plan_tag_label(label, layout, name_size=size)
        shown = shown_name(plan)
        assert label.surname in shown, (key, label.name, shown)
        if (label.name, label.surname) in whole:  # every real roster name fits whole, on one line or two
            assert shown == label.name, (key, label.name, shown)
        else:  # an invented extreme may lose its forename to an initial, never its surname
            assert shown in (label.name, f"{label.name[0]}. {label.surname}"), (key, label.name, shown)
        assert all(line.fitted.size >= layout.min_name_px for line in name_lines(plan)), (key, label.name)
        assert decode(render_tag_label(label, layout, name_size=size)) == scans_as(label.code), (key, label.name)


@pytest.mark.parametrize("key", sorted(LAYOUTS))
def test_one_name_size_across_a_print_run(key):
    layout = get_layout(key)
    labels = all_labels()
    size = batch_name_size(labels, layout)
    sizes = {line.fitted.size for label in labels for line in name_lines(plan_tag_label(label, layout,
                                                                                        name_size=size))}
    assert sizes == {size}, (key, sorted(sizes))


def test_a_long_name_breaks_over_two_lines_before_it_shrinks():
    layout = get_layout("brother-62x29")
    label = TagLabel(new_code(), "Bartholomew Alexander Fitzgerald-Smith", "7A", SCHOOL, surname="Fitzgerald-Smith")
    lines = name_lines(plan_tag_label(label, layout))
    assert [line.fitted.text for line in lines] == ["Bartholomew Alexander", "Fitzgerald-Smith"]
    assert all(line.fitted.size >= layout.min_name_px for line in lines)
    assert layout.min_name_px * MM_PER_INCH / layout.dpi >= 2.9  # mm: the em, about 8.5 pt


def test_the_62x29_name_is_the_same_size_for_a_short_and_a_long_name_in_one_run():
    # Issue 17: the name's ink was 1.35 mm tall for one pupil and 3.4 mm for another on the same roll.
    layout = get_layout("brother-62x29")
    short = TagLabel(new_code(), "Leo Webb", "11B", SCHOOL, surname="Webb")
    long = TagLabel(new_code(), "Łukasz Wójcik-Brzęczysz", "11B", SCHOOL, surname="Wójcik-Brzęczysz")
    size = batch_name_size([short, long], layout)
    heights = [max(line.box.bottom - line.box.top for line in name_lines(plan_tag_label(label, layout,
                                                                                        name_size=size)))
               for label in (short, long)]
    assert abs(heights[0] - heights[1]) <= 0.15 * max(heights), heights


def test_the_larger_dymo_label_shows_at_least_as_much_of_a_name_as_the_smaller():
    for label in all_labels():
        small = name_lines(plan_tag_label(label, "dymo-99010"))
        large = name_lines(plan_tag_label(label, "dymo-99012"))
        assert large[0].fitted.size >= small[0].fitted.size, label.name
        assert shown_name(plan_tag_label(label, "dymo-99012")) == label.name


def test_a_forename_no_label_can_hold_becomes_an_initial_and_the_surname_stays():
    layout = get_layout("brother-62x29")
    label = TagLabel(new_code(), "Christopherbartholomewalexanderson Smith", "7A", SCHOOL, surname="Smith")
    plan = plan_tag_label(label, layout)
    assert shown_name(plan) == "C. Smith"
    assert all(line.fitted.size >= layout.min_name_px for line in name_lines(plan))
    assert decode(render_tag_label(label, layout)) == scans_as(label.code)


def test_without_a_surname_given_the_last_word_is_kept():
    label = TagLabel(new_code(), "Christopherbartholomewalexanderson Smith", "7A", SCHOOL)
    assert shown_name(plan_tag_label(label, "brother-62x29")) == "C. Smith"
