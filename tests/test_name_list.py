"""The name list behind a forgotten tag (kiosk.custody.find_pupils): how many pupils match, every one of them
reachable, narrowing by form, year and surname in any order, and the leavers whose phones are still here."""

from __future__ import annotations

import pytest

from kiosk.custody import find_pupils, hand_back, hand_in, normalise, resolve
from kiosk.custody.scans import NameSearch
from kiosk.db import Pupil
from tests.conftest import add_pupil

# 23 invented Chloés (the demo school has as many): accented or not, in forms of every shape a MIS writes.
SURNAMES = ["Davies", "Evans", "Hughes", "Price", "Morgan", "Lloyd", "Jones", "Khan", "Nowak", "Chen", "Wood",
            "Hall", "Green", "Okafor", "Mensah", "Singh", "Walker", "White", "Clarke", "Wright", "Patel", "Begum",
            "Ó Súilleabháin"]
FORMS = [(11, "11A"), (11, "11B"), (10, "10-Sparrowhawk"), (7, "7C")]


def add_chloes(school) -> list[Pupil]:
    chloes = []
    for n, surname in enumerate(SURNAMES):
        year, form = FORMS[n % len(FORMS)]
        chloes.append(add_pupil(school.clock, f"2000{n:02d}", "Chloé" if n % 2 else "Chloe", surname, None, year,
                                form))
    # A second Chloe Davies, in another form: the surname alone cannot tell them apart.
    chloes.append(add_pupil(school.clock, "200099", "Chloe", "Davies", None, 7, "7C"))
    return chloes


def names(matches) -> list[tuple[str, str]]:
    return [(p.name, p.form) for p in matches]


def test_every_pupil_who_matches_is_counted_and_listed(school):
    add_chloes(school)

    matches = find_pupils("chloe")

    assert matches.total == 24 and len(matches) == 24, "the 12 the list used to stop at, and the 12 after"
    assert len({p.id for p in matches}) == 24
    surnames = [p.name.split(" ", 1)[1] for p in matches]
    assert surnames[:3] == ["Begum", "Chen", "Clarke"] and surnames[-2:] == ["Wood", "Wright"]


def test_a_list_cut_short_still_says_how_many_matched(school):
    add_chloes(school)

    matches = find_pupils("chlo", limit=5)

    assert (len(matches), matches.total, matches.complete) == (5, 24, False)
    assert find_pupils("chlo").complete


ELEVEN_A = {("Chloe Davies", "11A"), ("Chloe Morgan", "11A"), ("Chloe Nowak", "11A"), ("Chloe Green", "11A"),
            ("Chloe Walker", "11A"), ("Chloe Patel", "11A")}
SPARROWHAWK = {("Chloe Hughes", "10-Sparrowhawk"), ("Chloe Jones", "10-Sparrowhawk"), ("Chloe Wood", "10-Sparrowhawk"),
               ("Chloe Mensah", "10-Sparrowhawk"), ("Chloe Clarke", "10-Sparrowhawk"),
               ("Chloe Ó Súilleabháin", "10-Sparrowhawk")}
DAVIES = {("Chloe Davies", "11A"), ("Chloe Davies", "7C")}


@pytest.mark.parametrize(("typed", "expected"), [
    ("chloe 11a", ELEVEN_A),
    ("11A chloe", ELEVEN_A),  # any order
    ("CHLOÉ 11a", ELEVEN_A),  # case and accents aside, in the form too
    ("chloe davies", DAVIES),  # a surname, as ever
    ("davies chloe", DAVIES),
    ("chloe davies 7c", {("Chloe Davies", "7C")}),
    ("davi 7C chlo", {("Chloe Davies", "7C")}),  # parts of names, as ever
    ("chloe 10-sparrowhawk", SPARROWHAWK),
    ("chloe 10sparrowhawk", SPARROWHAWK),  # a form's punctuation may be left out
    ("chloe 10 sparrowhawk", set()),  # but not split into two words: "sparrowhawk" is nobody's name
])
def test_a_form_among_the_words_narrows_the_list_to_that_form(school, typed, expected):
    add_chloes(school)

    assert set(names(find_pupils(typed))) == expected


@pytest.mark.parametrize("typed", ["chloe 11", "chloe y11", "chloe Y11", "chloe yr11", "chloe year 11",
                                   "year 11 chloe", "11 chloe"])
def test_a_year_among_the_words_narrows_the_list_to_that_year(school, typed):
    add_chloes(school)

    matches = find_pupils(typed)

    assert {p.form for p in matches} == {"11A", "11B"} and matches.total == 12


def test_typed_at_the_desk_a_name_with_a_form_is_a_name_search_not_a_bad_tag(school):
    add_chloes(school)

    scan = normalise("Chloe 11A")

    assert scan == NameSearch("chloe 11a")
    assert {p.form for p in find_pupils(scan)} == {"11A"}
    assert normalise("davies chloe y7") == NameSearch("davies chloe y7")


def test_a_word_that_is_a_form_still_finds_a_name_containing_it(school):
    # A form named like part of a name: typing it never loses the pupil today's search found.
    add_pupil(school.clock, "300001", "Chloe", "Oakley", None, 9, "9X")
    add_pupil(school.clock, "300002", "Chloe", "Smith", None, 9, "Oak")
    add_pupil(school.clock, "300003", "Chloe", "Jones", None, 9, "Ash")

    assert set(names(find_pupils("chloe oak"))) == {("Chloe Oakley", "9X"), ("Chloe Smith", "Oak")}


def test_a_search_that_is_only_a_form_or_a_year_lists_it(school):
    add_chloes(school)

    assert {p.form for p in find_pupils("10-Sparrowhawk")} == {"10-Sparrowhawk"}
    assert find_pupils("y7").total == 6 + 2  # the 7C Chloés, Aoife and Ruby


def test_one_word_search_is_the_same_as_ever(school):
    add_chloes(school)

    assert names(find_pupils("suilleab")) == [("Aoife Ó Súilleabháin", "7C"),
                                              ("Chloe Ó Súilleabháin", "10-Sparrowhawk")]
    assert [p.name for p in find_pupils("MINH nguyen")] == ["Minh Nguyễn"]
    assert len(find_pupils("zzz")) == 0 and not find_pupils("zzz") and find_pupils("   ").total == 0
    assert find_pupils("%").total == find_pupils("_").total == 0, "typed, never a wildcard"


def test_each_pupil_says_whether_their_phone_is_in_the_office_now(school):
    zoe, lukasz = school.pupils[0], school.pupils[1]
    hand_in(school.ctx(), school.scanned(0))
    hand_in(school.ctx(), school.scanned(1))
    hand_back(school.ctx(), school.scanned(1))

    by_name = {p.name: p for p in find_pupils("9c")}  # a form alone: its pupils
    assert set(by_name) == {"Zoë Hall", "Łukasz Nowakowski"}
    here, gone = by_name["Zoë Hall"], by_name["Łukasz Nowakowski"]
    assert [(phone.state, phone.slot is not None) for phone in here.phones] == [("IN_OFFICE", True)]
    assert here.in_office and not gone.in_office and gone.phones == ()
    assert (here.id, gone.id) == (zoe.id, lukasz.id)


def leave_the_roll(pupil: Pupil) -> None:
    Pupil.update(active=False).where(Pupil.id == pupil.id).execute()


def test_a_leaver_whose_phone_is_still_here_is_found_marked_as_left(school):
    ruby, aoife = school.pupils[4], school.pupils[3]  # both 7C
    school.confiscate(4)  # Ruby's phone is in the safe
    leave_the_roll(ruby)
    leave_the_roll(aoife)  # Aoife's phone is not here: she stays out of the list

    matches = find_pupils("7c")

    assert [(p.name, p.active, p.in_office) for p in matches] == [("Ruby Mitchell", False, True)]
    [phone] = matches[0].phones
    assert phone.state == "HELD_FOR_PARENT"
    assert find_pupils("aoife").total == 0
    # Where every leaver is wanted (the pupil page), both are found, still marked.
    assert {(p.name, p.active) for p in find_pupils("7c", include_left=True)} == {
        ("Ruby Mitchell", False), ("Aoife Ó Súilleabháin", False)}


def test_a_leaver_whose_phone_went_home_is_not_found(school):
    leo = school.pupils[5]
    hand_in(school.ctx(), school.scanned(5))
    hand_back(school.ctx(), resolve(normalise(school.tag_of(leo))))
    leave_the_roll(leo)

    assert find_pupils("webb").total == 0


def test_counting_narrowing_and_leavers_alike_on_each_database(any_school):
    school = any_school
    add_chloes(school)
    ruby = school.pupils[4]
    hand_in(school.ctx(), school.scanned(4))
    leave_the_roll(ruby)
    hand_in(school.ctx(), school.scanned(3))

    assert find_pupils("chloe").total == 24
    assert set(names(find_pupils("DAVIES chloé 7c"))) == {("Chloe Davies", "7C")}
    assert find_pupils("chloe y11").total == 12
    seventh = {p.name: (p.active, p.in_office) for p in find_pupils("7C")}
    assert (seventh["Ruby Mitchell"], seventh["Aoife Ó Súilleabháin"], seventh["Chloé Khan"]) == (
        (False, True), (True, True), (True, False))
    assert len(seventh) == 8
