"""3. Racing desks: eight processes release the same held phones, or hand in the same tags, at the same instant."""

from __future__ import annotations

from tests.reliability import scenarios
from tests.reliability.sizes import SIZES


def test_eight_desks_releasing_the_same_held_phones_give_exactly_one_winner_each(backend, make_site):
    site = make_site(backend, pupils=SIZES["race_phones"] + 5)
    ids = scenarios.confiscate_all(site, site.codes[:SIZES["race_phones"]])
    figure = scenarios.release_race(site, ids, desks=8)
    print(figure.line())
    n = figure.numbers
    assert n["errors"] == [] and n["exit_codes"] == [0] * 8
    assert n["exactly_one_winner"] == len(ids) and n["released_more_than_once"] == 0
    assert n["release_events_per_phone"] == [1] and n["states"] == ["RELEASED"]
    assert n["audit_ok"]


def test_negative_control_read_then_write_releases_the_same_phone_more_than_once(backend, make_site):
    site = make_site(backend, pupils=SIZES["naive_race_phones"] + 5)
    ids = scenarios.confiscate_all(site, site.codes[:SIZES["naive_race_phones"]])
    figure = scenarios.release_race(site, ids, desks=8, naive=True)
    print(figure.line())
    assert figure.numbers["released_more_than_once"] > 0


def test_eight_desks_handing_in_the_same_tags_open_one_custody_per_tag(backend, make_site):
    site = make_site(backend, pupils=SIZES["race_tags"] + 5)
    figure = scenarios.handin_race(site, site.codes[:SIZES["race_tags"]], desks=8)
    print(figure.line())
    n = figure.numbers
    assert n["errors"] == [] and n["exit_codes"] == [0] * 8
    assert n["one_open_custody"] == n["tags"] and n["one_handed_in_receipt"] == n["tags"]
    assert n["outcomes"] == {"HANDED_IN": n["tags"], "ALREADY_IN": 7 * n["tags"]}
    assert n["audit_ok"]
