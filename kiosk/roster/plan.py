"""Comparing the MIS roll with the kiosk's pupils: who joins, who changed, who left, who came back.

Reads the database (three queries, whatever the size of the school) and writes nothing, so a dry run and a
real import report exactly the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.custody.scans import fold
from kiosk.custody.states import IN_OFFICE_STATES, state_words
from kiosk.db.models import Custody, Pupil, Tag, slot_label
from kiosk.db.rows import dicts, tuples
from kiosk.roster.parse import PupilsFile, RosterPupil
from kiosk.roster.report import LeaversPhone, PupilNote
from kiosk.roster.values import admission_key

# Always in an export (the parser refuses a file without them); the others only when the file has the column.
ALWAYS_SUPPLIED = ("legal_forename", "legal_surname", "form")
OPTIONAL = ("upn", "preferred_forename", "preferred_surname", "year")
FIELD_WORDS = {"upn": "UPN", "legal_forename": "forename", "legal_surname": "surname",
               "preferred_forename": "preferred forename", "preferred_surname": "preferred surname",
               "year": "year", "form": "form"}
STORED = ("legal_forename", "legal_surname", "preferred_forename", "preferred_surname", "upn", "year", "form",
          "search_name")


@dataclass(frozen=True)
class Change:
    """A pupil already in the kiosk whose record the import rewrites (`values` is the whole new record)."""

    pupil_id: int
    values: dict[str, Any]
    note: PupilNote


@dataclass
class RollPlan:
    added: list[RosterPupil] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)  # a field the office would recognise changed
    returned: list[Change] = field(default_factory=list)  # was marked as left, is on the roll again
    refreshed: list[Change] = field(default_factory=list)  # only the derived search name differs
    left: list[tuple[int, PupilNote]] = field(default_factory=list)
    phones_of_leavers: list[LeaversPhone] = field(default_factory=list)  # still in the office, by slot
    unchanged: int = 0
    pupil_ids: dict[str, int] = field(default_factory=dict)  # admission key → id, for pupils already stored
    untagged: set[str] = field(default_factory=set)  # admission keys of pupils on roll with no active tag
    active_before: int = 0


def search_name(values: dict[str, Any]) -> str:
    names = (values.get("legal_forename"), values.get("preferred_forename"), values.get("legal_surname"),
             values.get("preferred_surname"))
    return fold(" ".join(name for name in names if name))


def new_pupil_values(pupil: RosterPupil) -> dict[str, Any]:
    values = {name: getattr(pupil, name) for name in ("mis_id", *ALWAYS_SUPPLIED, *OPTIONAL)}
    values["search_name"] = search_name(values)
    return values


def plan_roll(roster: PupilsFile) -> RollPlan:
    plan = RollPlan()
    stored = list(dicts(Pupil.select(Pupil.id, Pupil.mis_id, Pupil.active, Pupil.left_on,
                                     *(getattr(Pupil, name) for name in STORED))))
    tagged = {pupil_id for (pupil_id,) in tuples(Tag.select(Tag.pupil).where(Tag.status == "active"))}
    by_mis_id = {row["mis_id"]: row for row in stored}
    by_key: dict[str, dict[str, Any]] = {}
    for row in stored:
        by_key.setdefault(admission_key(row["mis_id"]), row)
    plan.active_before = sum(1 for row in stored if row["active"])
    seen: set[int] = set()
    supplied = [name for name in STORED if name in ALWAYS_SUPPLIED or name in roster.supplied]
    for pupil in roster.pupils:
        key = admission_key(pupil.mis_id)
        on_file = by_mis_id.get(pupil.mis_id) or by_key.get(key)
        if on_file is None:
            plan.added.append(pupil)
            plan.untagged.add(key)
            continue
        seen.add(on_file["id"])
        plan.pupil_ids[key] = on_file["id"]
        if on_file["id"] not in tagged:
            plan.untagged.add(key)
        values = {name: on_file[name] for name in STORED} | {name: getattr(pupil, name) for name in supplied}
        values["search_name"] = search_name(values)
        changes = tuple(_describe(name, on_file[name], values[name])
                        for name in supplied if on_file[name] != values[name])
        note = PupilNote(pupil.mis_id, pupil.name, pupil.form, changes)
        if not on_file["active"]:
            plan.returned.append(Change(on_file["id"], values | {"active": True, "left_on": None}, note))
        elif changes:
            plan.updated.append(Change(on_file["id"], values, note))
        else:
            plan.unchanged += 1
            if values["search_name"] != on_file["search_name"]:
                plan.refreshed.append(Change(on_file["id"], values, note))
    for row in stored:
        if row["active"] and row["id"] not in seen:
            plan.left.append((row["id"], PupilNote(row["mis_id"], _display_name(row), row["form"])))
    plan.phones_of_leavers = _phones_in_office(dict(plan.left))
    return plan


def _phones_in_office(leavers: dict[int, PupilNote]) -> list[LeaversPhone]:
    """The phones in the office now whose pupils are leaving the roll (read whole: at most a school's phones)."""
    if not leavers:
        return []
    query = (Custody.select(Custody.pupil, Custody.state, Custody.slot_box, Custody.slot_position)
             .where(Custody.state.in_(sorted(IN_OFFICE_STATES))))
    phones = [LeaversPhone(leavers[pupil_id], slot_label(box, position), state_words(state, dsl=False))
              for pupil_id, state, box, position in tuples(query) if pupil_id in leavers]
    return sorted(phones, key=lambda phone: (phone.slot or "", phone.pupil.name))


def _display_name(row: dict[str, Any]) -> str:
    forename = row["preferred_forename"] or row["legal_forename"]
    return f"{forename} {row['preferred_surname'] or row['legal_surname']}"


def _describe(name: str, old: Any, new: Any) -> str:
    return f"{FIELD_WORDS[name]} {_shown(old)} → {_shown(new)}"


def _shown(value: Any) -> str:
    return "—" if value in (None, "") else str(value)
