"""Scan normalisation and tag codes: what a keyboard-wedge scanner or a person may type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.custody import BadScan, RepeatFilter, normalise
from kiosk.custody.codes import ALPHABET, CODE_LENGTH, check_character, grouped, is_valid, new_code
from kiosk.custody.scans import AdmissionNumberScan, CommandScan, NameSearch, TagScan, fold

codes = st.builds(lambda _: new_code(), st.integers())


@given(codes)
def test_every_new_code_is_valid_and_reads_back_exactly(code):
    assert is_valid(code) and len(code) == CODE_LENGTH
    assert normalise(code) == TagScan(code)


@given(codes, st.sampled_from(["]Q1", "]C0", "]d2", ""]), st.sampled_from(["\r", "\n", "\r\n", "\t", ""]))
def test_aim_prefixes_line_endings_case_and_hyphens_are_ignored(code, aim, ending):
    assert normalise(f"{aim}{code}{ending}") == TagScan(code)
    assert normalise(code.lower()) == TagScan(code)
    assert normalise(f"  {grouped(code)} ") == TagScan(code)


@given(codes)
def test_confusable_letters_read_as_their_digits(code):
    typed = code[0] + code[1:].replace("0", "O").replace("1", "I")
    assert normalise(typed) == TagScan(code)


@given(codes, st.integers(min_value=1, max_value=CODE_LENGTH - 1), st.sampled_from(ALPHABET))
def test_any_single_misread_character_is_caught(code, position, replacement):
    if code[position] == replacement:
        return
    misread = code[:position] + replacement + code[position + 1:]
    with pytest.raises(BadScan, match="check character"):
        normalise(misread)


@given(codes)
def test_a_doubled_scan_is_refused(code):
    with pytest.raises(BadScan, match="twice"):
        normalise(code + code)


def test_neighbour_swaps_are_caught_by_the_check_character():
    caught = total = 0
    for _ in range(2000):
        code = new_code()
        for i in range(1, CODE_LENGTH - 2):
            if code[i] != code[i + 1]:
                total += 1
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
                caught += check_character(swapped[:-1]) != swapped[-1]
    assert caught / total > 0.95


@pytest.mark.parametrize("raw", ["", "   ", "\r\n", "]Q1"])
def test_nothing_scanned_is_refused(raw):
    with pytest.raises(BadScan, match="Nothing was scanned"):
        normalise(raw)


def test_overlong_input_is_refused():
    with pytest.raises(BadScan, match="too long"):
        normalise("K" * 65)


def test_digits_are_an_admission_number_and_words_a_name():
    assert normalise("0942950") == AdmissionNumberScan("0942950")
    assert normalise("Zoë  HALL") == NameSearch("zoe hall")
    assert normalise("Kimberly") == NameSearch("kimberly")  # eight letters starting with K: still a name
    with pytest.raises(BadScan, match="not a tag code"):
        normalise("ABC123XYZ")


@given(st.text(max_size=80))
def test_normalise_never_fails_with_anything_but_a_desk_message(raw):
    try:
        result = normalise(raw)
    except BadScan as exc:
        assert exc.message
    else:
        assert isinstance(result, TagScan | AdmissionNumberScan | NameSearch | CommandScan)


def test_fold_removes_accents_from_names_schools_have():
    assert fold("Zoë Ó Súilleabháin") == "zoe o suilleabhain"
    assert fold("Łukasz Øberg Nguyễn") == "lukasz oberg nguyen"


def test_the_same_code_at_the_same_desk_within_the_window_is_a_repeat():
    start = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
    code = TagScan(new_code())
    other = TagScan(new_code())
    desk = RepeatFilter(2.0)
    assert not desk.is_repeat(code, start)
    assert desk.is_repeat(code, start + timedelta(seconds=1.5))
    assert not desk.is_repeat(other, start + timedelta(seconds=1.6))
    assert not desk.is_repeat(code, start + timedelta(seconds=1.7))  # after another pupil: a real scan
    assert not desk.is_repeat(code, start + timedelta(seconds=5))
    assert not desk.is_repeat(NameSearch("zoe"), start) and not desk.is_repeat(NameSearch("zoe"), start)
