"""From a scan (or a typed name) to the pupil and the tag it means."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.custody import codes
from kiosk.custody.errors import BadScan, RetiredTag, UnknownTag

# A typed name (a forgotten tag) is looked up by the name list, which has its own module for its rules (narrowing
# by form and year, the count, the leavers with a phone here); it is named here too, with the desk's other lookups.
from kiosk.custody.queries.name_list import PupilMatch as PupilMatch
from kiosk.custody.queries.name_list import PupilMatches as PupilMatches
from kiosk.custody.queries.name_list import find_pupils as find_pupils
from kiosk.custody.receipts import PupilSummary
from kiosk.custody.scans import AdmissionNumberScan, Scan, TagScan
from kiosk.db import raw
from kiosk.db.connection import storage_guard
from kiosk.db.models import Pupil, Tag


@dataclass(frozen=True)
class Resolved:
    pupil: Pupil
    tag: Tag
    via: str  # "tag", "admission number", "name search"


# Every scan runs one of these: written out (kiosk.db.raw), as peewee building the query was most of a scan's time.
# They select every column, so the pupil and tag handed on are whole models, as before.
_TAG_AND_PUPIL = (f"SELECT {raw.columns(Tag, 't')}, {raw.columns(Pupil, 'p')} FROM tag t "
                  "JOIN pupil p ON p.id = t.pupil_id WHERE t.code = ? LIMIT 1")
_PRIMARY_TAG = f"SELECT {raw.columns(Tag, 't')} FROM tag t WHERE t.pupil_id = ? AND t.status = ? ORDER BY t.id LIMIT 1"
_PUPIL_BY_MIS_ID = f"SELECT {raw.columns(Pupil, 'p')} FROM pupil p WHERE p.mis_id IN ({{marks}}) LIMIT 1"


def primary_tag(pupil: Pupil) -> Tag | None:
    row = raw.execute(_PRIMARY_TAG, (pupil.id, "active")).fetchone()
    return raw.from_row(Tag, row, pupil=pupil) if row else None


def resolve_pupil_tag(pupil: Pupil, via: str) -> Resolved:
    tag = primary_tag(pupil)
    if tag is None:
        raise UnknownTag(f"{pupil.display_name} ({pupil.form}) has no active tag. Print a new tag for them first.")
    return Resolved(pupil, tag, via)


@storage_guard
def resolve(scan: Scan, *, accept_admission_numbers: bool = True) -> Resolved:
    if isinstance(scan, TagScan):
        row = raw.execute(_TAG_AND_PUPIL, (scan.code,)).fetchone()
        tag = raw.from_row(Tag, row, pupil=raw.from_row(Pupil, row, raw.width(Tag))) if row else None
        if tag is None:
            raise UnknownTag(f"Tag {codes.grouped(scan.code)} is not on this kiosk. Check it is one of this "
                             "school's labels, or type the pupil's name to find them.")
        if tag.status != "active":
            replacement = primary_tag(tag.pupil)
            hint = f" Use their current tag {codes.grouped(replacement.code)}" if replacement else ""
            raise RetiredTag(f"Tag {codes.grouped(tag.code)} was {tag.status} and no longer counts "
                             f"({tag.pupil.display_name}, {tag.pupil.form}).{hint} or type the name.")
        return Resolved(tag.pupil, tag, "tag")
    if isinstance(scan, AdmissionNumberScan):
        if not accept_admission_numbers:
            raise BadScan("School ID cards are not accepted at this desk. Scan the phone's tag.")
        pupil = find_by_admission_number(scan.number)
        if pupil is None:
            half = len(scan.number) // 2
            if len(scan.number) % 2 == 0 and scan.number[:half] == scan.number[half:] \
                    and find_by_admission_number(scan.number[:half]):
                raise BadScan("The ID card was read twice in one scan. Scan it once more.")
            raise UnknownTag(f"No pupil has admission number {scan.number}. Check the card, or type the name.")
        return resolve_pupil_tag(pupil, "admission number")
    raise BadScan("Type more of the name to choose the pupil.")


def find_by_admission_number(number: str) -> Pupil | None:
    stripped = number.lstrip("0") or "0"
    pupil = _pupil_with_mis_id(sorted({number, stripped}))
    if pupil is None and len(stripped) < 8:
        # MIS exports sometimes zero-pad admission numbers and ID cards sometimes do not.
        pupil = _pupil_with_mis_id([stripped.zfill(w) for w in range(len(stripped), 9)])
    return pupil


@storage_guard
def pupil_with_admission_number(*, number: str) -> PupilSummary | None:
    """The pupil an ID card names (zero-padded or not), whether or not they have a tag."""
    pupil = find_by_admission_number(number)
    return PupilSummary.of(pupil) if pupil else None


@storage_guard
def pupil_with_tag(*, code: str) -> PupilSummary | None:
    """The pupil a tag belongs to, whatever its status: a lost or retired tag still names its pupil."""
    tag = Tag.select(Tag, Pupil).join(Pupil).where(Tag.code == code).first()
    return PupilSummary.of(tag.pupil) if tag else None


@storage_guard
def pupil_by_id(*, pupil_id: int) -> PupilSummary | None:
    """The pupil chosen from a list, or None when they are no longer on the roster."""
    pupil = Pupil.get_or_none(Pupil.id == pupil_id)
    return PupilSummary.of(pupil) if pupil else None


def _pupil_with_mis_id(candidates: list[str]) -> Pupil | None:
    row = raw.execute(_PUPIL_BY_MIS_ID.format(marks=", ".join("?" * len(candidates))), candidates).fetchone()
    return raw.from_row(Pupil, row) if row else None


@storage_guard
def resolve_pupil(pupil_id: int) -> Resolved:
    """A pupil chosen from a name search (no tag in hand): their phone is handled by their primary tag."""
    pupil = Pupil.get_or_none(Pupil.id == pupil_id)
    if pupil is None:
        raise UnknownTag("That pupil is no longer on the roster. Search again.")
    return resolve_pupil_tag(pupil, "name search")
