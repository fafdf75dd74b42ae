"""Stock-take: scan every phone in the safe and the boxes; the kiosk says what is missing and what is there
that should not be, and records who did it, when and what they found."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.audit import append_event
from kiosk.auth.roles import Permission
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError
from kiosk.custody.receipts import PupilSummary
from kiosk.custody.scans import TagScan, normalise
from kiosk.db.connection import write_transaction
from kiosk.db.models import Custody, Pupil, Tag, database_proxy


@dataclass(frozen=True)
class StockItem:
    code: str
    pupil: PupilSummary | None
    slot: str | None
    state: str | None


@dataclass(frozen=True)
class StocktakeResult:
    expected: int
    present: tuple[StockItem, ...]
    missing: tuple[StockItem, ...]  # the kiosk says it is in the office; nobody scanned it
    unexpected: tuple[StockItem, ...]  # scanned, but the kiosk has it as not in the office (or unknown)
    unreadable: tuple[str, ...]


def stocktake(ctx: DeskContext, scans: list[str]) -> StocktakeResult:
    ctx.require(Permission.CLOSE_DAY)
    codes: list[str] = []
    unreadable: list[str] = []
    for raw in scans:
        try:
            scan = normalise(raw)
        except DeskError:
            unreadable.append(raw.strip()[:24])
            continue
        if isinstance(scan, TagScan):
            if scan.code not in codes:
                codes.append(scan.code)
        else:
            unreadable.append(raw.strip()[:24])
    with write_transaction(database_proxy.obj):
        open_ = {c.tag.code: c for c in Custody.select(Custody, Tag, Pupil).join(Tag).switch(Custody).join(Pupil)
                 .where(Custody.closed_at.is_null())}
        tags = {t.code: t for t in Tag.select(Tag, Pupil).join(Pupil).where(Tag.code.in_(codes))} if codes else {}

        def item(code: str) -> StockItem:
            custody = open_.get(code)
            tag = tags.get(code)
            pupil = custody.pupil if custody else (tag.pupil if tag else None)
            return StockItem(code, PupilSummary.of(pupil) if pupil else None, custody.slot if custody else None,
                             custody.state if custody else None)

        present = tuple(item(c) for c in codes if c in open_)
        unexpected = tuple(item(c) for c in codes if c not in open_)
        missing = tuple(item(c) for c in open_ if c not in codes)
        append_event(key=ctx.keyring.audit_key, at=ctx.clock.now(), desk=ctx.desk, staff=ctx.who.staff_id,
                     action="STOCKTAKE",
                     payload={"expected": len(open_), "present": len(present),
                              "missing": [m.code for m in missing], "unexpected": [u.code for u in unexpected],
                              "unreadable": len(unreadable)})
    return StocktakeResult(len(open_), present, missing, unexpected, tuple(unreadable))
