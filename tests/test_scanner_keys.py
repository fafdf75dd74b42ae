"""Telling a scanner from a person (kiosk/widgets/scanner.py), key by key, with the keys' own parse times: which keys
are held, which go on, and when a burst ends. No app, no terminal: the rules alone."""

from __future__ import annotations

import pytest
from textual import events

from kiosk.custody.codes import new_code
from kiosk.widgets.scanner import KEY_GAP_SECONDS, SHORTEST_SCAN, ScannerKeys, could_be_code, what_was_scanned

FAST, SLOW = 0.004, 0.09  # a wedge scanner's gap and a person's


def keys(text: str, *, gap: float, start: float = 100.0, enter: bool = True) -> list[events.Key]:
    made = [events.Key(c if c.isalnum() else "minus" if c == "-" else c, c) for c in text]
    if enter:
        made.append(events.Key("enter", "\r"))
    for number, key in enumerate(made):
        key.time = start + number * gap
    return made


def feed(reader: ScannerKeys, typed: list[events.Key], *, hold_every_key: bool = False):
    """Every key in turn: the keys passed on (in order) and the bursts seen."""
    passed, bursts = [], []
    for key in typed:
        reading = reader.read(key, hold_every_key=hold_every_key)
        passed += reading.passed
        if reading.burst is not None:
            bursts.append(reading.burst)
    return passed, bursts


@pytest.mark.parametrize("typed", ["K", "KX", "KXHANDB", "KXLOCK", "k0ej-85", "K0EJ85R5", "]Q1K0EJ", "]", "]Q",
                                   "100234", "K0EJ85R5K0EJ85R5"])
def test_what_may_begin_one_of_the_kiosks_codes(typed):
    assert could_be_code(typed)


@pytest.mark.parametrize("typed", ["d", "davies", "BAG-0042", "Room S12", "-K", " K", "]1", "1234567890123",
                                   "K0EJ85R5K0EJ85R5K", "KU"])
def test_what_cannot(typed):
    assert not could_be_code(typed)


def test_a_scanners_tag_is_held_key_by_key_and_taken_whole_at_its_enter():
    code = new_code()
    reader = ScannerKeys()
    passed, [burst] = feed(reader, keys(code, gap=FAST))
    assert passed == [] and burst.whole and burst.text == code and len(burst.held) == len(code)


def test_the_same_keys_from_a_person_go_on_one_by_one_and_make_no_burst():
    code = new_code()
    reader = ScannerKeys()
    typed = keys(code, gap=SLOW)
    passed, bursts = feed(reader, typed)
    assert bursts == [] and passed == typed, "every key, in order, Enter last"


def test_just_under_and_just_over_the_threshold():
    code = new_code()
    under, over = KEY_GAP_SECONDS * 0.9, KEY_GAP_SECONDS * 1.1
    assert feed(ScannerKeys(), keys(code, gap=under))[1], "just under: a scan"
    assert not feed(ScannerKeys(), keys(code, gap=over))[1], "just over: a person"


def test_one_slow_key_anywhere_in_a_code_makes_it_typing():
    code = new_code()
    typed = keys(code, gap=FAST)
    for later in typed[4:]:
        later.time += SLOW  # a pause after the fourth character
    passed, bursts = feed(ScannerKeys(), typed)
    assert passed[:4] == typed[:4], "the first four were a person's: passed on"
    assert all(burst.text != code for burst in bursts), "the code was never taken as a scan"


def test_a_name_from_a_scanner_goes_on_at_once_and_its_burst_is_not_whole():
    reader = ScannerKeys()
    typed = keys("BAG-0042", gap=FAST)
    passed, [burst] = feed(reader, typed)
    assert passed == typed[:-1], "the characters went on as they came (a bag number for a field)"
    assert burst.text == "BAG-0042" and not burst.whole and burst.enter is typed[-1]


def test_where_every_key_is_held_a_barcode_of_any_kind_is_taken_whole():
    passed, [burst] = feed(ScannerKeys(), keys("BAG-0042", gap=FAST), hold_every_key=True)
    assert passed == [] and burst.whole


def test_a_name_typed_before_a_tag_does_not_join_it():
    """A person typed 'dav' (slowly), then the scanner fired: the burst is the tag alone."""
    code = new_code()
    typed = keys("dav", gap=SLOW, enter=False) + keys(code, gap=FAST, start=200.0)
    passed, [burst] = feed(ScannerKeys(), typed)
    assert [key.character for key in passed] == list("dav") and burst.text == code and burst.whole


def test_fewer_characters_than_a_scan_are_no_burst_however_fast():
    short = "7" * (SHORTEST_SCAN - 1)
    passed, bursts = feed(ScannerKeys(), keys(short, gap=FAST))
    assert bursts == [] and len(passed) == len(short) + 1


def test_held_keys_go_on_after_the_wait_unless_a_later_key_decided_first():
    reader = ScannerKeys()
    first = keys("K", gap=FAST, enter=False)[0]
    assert reader.read(first).holding
    hold = reader.holds
    assert reader.waited(hold) == [first], "no key came: a person's K, passed on"
    second = keys("K0", gap=FAST, start=300.0, enter=False)
    reader.read(second[0])
    stale = hold
    assert reader.waited(stale) == [], "a wait for an earlier key lets go of nothing held since"


def test_several_scans_in_one_read_are_each_a_burst():
    codes = [new_code() for _ in range(3)]
    typed = []
    for number, code in enumerate(codes):
        typed += keys(code, gap=0.00002, start=100.0 + number * 0.001)
    passed, bursts = feed(ScannerKeys(), typed)
    assert passed == [] and [burst.text for burst in bursts] == codes


def test_a_click_or_a_key_that_is_no_character_lets_go_of_what_is_held():
    reader = ScannerKeys()
    held = keys("K0E", gap=FAST, enter=False)
    for key in held:
        reader.read(key)
    tab = events.Key("tab", None)
    tab.time = held[-1].time + FAST
    assert reader.read(tab).passed == [*held, tab]
    reader.read(keys("K", gap=FAST, start=400.0, enter=False)[0])
    assert len(reader.let_go()) == 1


@pytest.mark.parametrize(("text", "kind", "words"), [
    ("K0EJ85R5", "tag", "a tag"), ("KXLOCK", "desk card", "the desk card's LOCK barcode"),
    ("100234", "ID card", "an ID card"), ("BAG-0042", "barcode", "a barcode"), ("davies", "barcode", "a barcode")])
def test_what_a_scan_is_called_when_it_is_refused(text, kind, words):
    scanned = what_was_scanned(text)
    assert (scanned.kind, scanned.words) == (kind, words)


def test_a_misread_tag_is_still_a_tag_and_its_code_is_shown_short_and_plain():
    code = new_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert what_was_scanned(wrong).kind == "tag"
    long = what_was_scanned("A" * 40 + "\x1b[31m")
    assert len(long.code) == 24 and long.code.endswith("…") and "\x1b" not in long.code
