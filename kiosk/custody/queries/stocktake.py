"""What the stock-take screen reads while phones are scanned: how many the kiosk has in the office, what it
knows of each tag scanned, and where it last had a phone that turned up unexpected.
(The stock-take itself, recorded in the audit log, is kiosk.custody.stocktake.)"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.custody.queries.records import PhoneRecord, record_of
from kiosk.custody.receipts import PupilSummary
from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody, Pupil, Tag


@dataclass(frozen=True)
class TagSeen:
    code: str
    pupil: PupilSummary | None  # None: no such tag on this kiosk
    in_office: PhoneRecord | None  # its open record, when the kiosk has the phone in the office


@storage_guard
def open_record_count() -> int:
    """How many phones the kiosk has in the office (open records), which a stock-take should find."""
    return Custody.select().where(Custody.closed_at.is_null()).count()


@storage_guard
def tag_seen(*, code: str) -> TagSeen:
    """What the kiosk knows of a scanned tag (lost and retired tags too: they still name their pupil)."""
    tag = Tag.select(Tag, Pupil).join(Pupil).where(Tag.code == code).first()
    open_ = Custody.select().join(Tag).where((Tag.code == code) & Custody.closed_at.is_null()).first()
    return TagSeen(code, PupilSummary.of(tag.pupil) if tag else None, record_of(open_) if open_ else None)


@storage_guard
def last_record_of_tag(*, code: str) -> PhoneRecord | None:
    """The tag's record closed last. (PostgreSQL sorts an open record, closed_at NULL, first: the stock-take asks
    only about phones with no open record.)"""
    last = Custody.select().join(Tag).where(Tag.code == code).order_by(Custody.closed_at.desc()).first()
    return record_of(last) if last else None
