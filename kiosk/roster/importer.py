"""Importing the school roll from the MIS: check both files whole, then update pupils, carers and tags.

Either the whole import is written, in one transaction with its audit event, or nothing is: a half-imported
roll would leave the desk unable to tell who is on roll.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from peewee import Database, chunked

from kiosk.audit import rows as sealing
from kiosk.audit.log import append_event
from kiosk.clock import Clock, to_db
from kiosk.db.connection import write_transaction
from kiosk.db.models import MUST_NOT_COLLECT, Carer, Pupil, Tag, database_proxy
from kiosk.db.rows import tuples
from kiosk.keyring import keyring_in_use
from kiosk.privacy import at_rest
from kiosk.roster.parse import CarersFile, PupilsFile, read_carers, read_pupils
from kiosk.roster.plan import RollPlan, new_pupil_values, plan_roll
from kiosk.roster.report import ImportReport, Problem, PupilNote, RosterError
from kiosk.roster.tags import create_tags
from kiosk.roster.values import admission_key

SCHOOL_TZ = ZoneInfo("Europe/London")
# Old SQLite builds allow 999 parameters in one statement; stay under that on every backend.
MAX_PARAMETERS = 900
# Above this share of the roll leaving at once, the file is more likely one year group than the whole school.
MASS_LEAVING = 0.5


def import_roster(
    pupils_path: Path,
    carers_path: Path | None,
    *,
    clock: Clock,
    audit_key: bytes,
    desk: str,
    staff_id: int | None,
    dry_run: bool,
    tz: ZoneInfo = SCHOOL_TZ,
) -> ImportReport:
    """Bring the kiosk's pupils (and, given a contacts file, their carers) into line with the MIS.

    Raises RosterError, listing every problem in both files by line, when either file cannot be used;
    nothing is written then, nor on a dry run."""
    roster, carers, skipped = _read(Path(pupils_path), Path(carers_path) if carers_path is not None else None)
    db = _database()
    if dry_run:
        with db.atomic():  # one consistent read
            plan = plan_roll(roster)
        return _report(roster, carers, skipped, plan, dry_run=True, tags_created=len(plan.untagged))
    now = clock.now()
    with write_transaction(db):
        # Planned inside the write lock, so a pupil another desk adds meanwhile cannot be missed or doubled.
        plan = plan_roll(roster)
        pupil_ids = _write_pupils(plan, today=now.astimezone(tz).date())
        # Every row the import writes is resealed and its seal recorded by the import's event (kiosk/audit/rows.py);
        # only those rows: one edited by hand elsewhere stays unsealed for `kiosk audit verify` to find.
        touched = [pupil_ids[admission_key(p.mis_id)] for p in plan.added]
        touched += [change.pupil_id for change in plan.updated + plan.returned + plan.refreshed]
        touched += [pupil_id for pupil_id, _note in plan.left]
        sealed = sealing.reseal_many(audit_key, Pupil, touched, changed_only=True)
        if carers is not None:
            sealed += _replace_carers(carers, [pupil_ids[admission_key(p.mis_id)] for p in roster.pupils], pupil_ids,
                                      audit_key=audit_key)
        untagged = sorted(pupil_ids[key] for key in plan.untagged)
        tags_created = create_tags(untagged, created_at=to_db(now))
        new_tags = [tag_id for (tag_id,) in tuples(Tag.select(Tag.id).where(Tag.pupil.in_(untagged)
                                                                             & Tag.seal.is_null()))] if untagged else []
        sealed += sealing.reseal_many(audit_key, Tag, new_tags)
        report = _report(roster, carers, skipped, plan, dry_run=False, tags_created=tags_created)
        append_event(key=audit_key, at=now, desk=desk, staff=staff_id, action="ROSTER_IMPORTED",
                     payload={"pupils_file": roster.file, "carers_file": carers.file if carers else None,
                              **report.counts(), "carers_skipped": len(skipped)}, rows=sealed)
    return report


def _read(pupils_path: Path,
          carers_path: Path | None) -> tuple[PupilsFile, CarersFile | None, tuple[Problem, ...]]:
    """Both files, checked whole; and the contacts skipped because their pupil is not in the pupils file."""
    roster, problems = read_pupils(pupils_path)
    carers = None
    skipped: tuple[Problem, ...] = ()
    if carers_path is not None:
        carers, carer_problems = read_carers(carers_path)
        problems += carer_problems
        if roster is not None and carers is not None:
            carers, skipped = _without_strays(carers, roster)
    if roster is None or (carers_path is not None and carers is None) or problems:
        raise RosterError(problems)
    return roster, carers, skipped


def _without_strays(carers: CarersFile, roster: PupilsFile) -> tuple[CarersFile, tuple[Problem, ...]]:
    """A contact whose pupil is not in the pupils file (a leaver the MIS still lists, a pupil the report left out)
    cannot be anyone's carer here: it is skipped and named by line, and the rest of the roll goes in."""
    kept = tuple(carer for carer in carers.carers if admission_key(carer.mis_id) in roster.listed)
    skipped = tuple(Problem(carer.line, f"pupil {carer.mis_id} is not in {roster.file}", carers.file, carer.name)
                    for carer in carers.carers if admission_key(carer.mis_id) not in roster.listed)
    return replace(carers, carers=kept), skipped


def _database() -> Database:
    db = database_proxy.obj
    if not isinstance(db, Database):
        raise RuntimeError("open_database() must be called before importing a roster")
    return db


def _write_pupils(plan: RollPlan, *, today: date) -> dict[str, int]:
    """Insert, update and mark leavers; returns admission key → pupil id for everyone on roll."""
    if plan.added:
        rows = [new_pupil_values(pupil) for pupil in plan.added]
        for batch in chunked(rows, MAX_PARAMETERS // len(rows[0])):
            Pupil.insert_many(batch).execute()
    # One UPDATE per changed pupil: peewee's bulk_update sends untyped CASE branches, which PostgreSQL
    # refuses for the date and integer columns, and even a September roll-over is only ~1,500 statements.
    for change in plan.updated + plan.returned + plan.refreshed:
        Pupil.update(change.values).where(Pupil.id == change.pupil_id).execute()
    for leavers in chunked([pupil_id for pupil_id, _note in plan.left], MAX_PARAMETERS):
        Pupil.update(active=False, left_on=today).where(Pupil.id.in_(leavers)).execute()
    ids = dict(plan.pupil_ids)
    if plan.added:
        added = {pupil.mis_id for pupil in plan.added}
        ids |= {admission_key(mis_id): pupil_id
                for pupil_id, mis_id in tuples(Pupil.select(Pupil.id, Pupil.mis_id)) if mis_id in added}
    return ids


def _insert_with_notes(row: dict[str, Any], notes: str, *, notes_key: bytes | None) -> None:
    carer_id = Carer.insert({**row, "access_notes": None}).execute()
    key = notes_key if notes_key is not None else _key_in_use()
    # Without any key (a test's bare audit key) the note is written as it came; the first open with the key file
    # encrypts it (kiosk/storage/opening.py), as it does a note an older kiosk wrote.
    stored = notes if key is None else at_rest.encrypt(key, notes, table="carer", column="access_notes",
                                                       row_id=int(carer_id))
    Carer.update(access_notes=stored).where(Carer.id == carer_id).execute()


def _key_in_use() -> bytes | None:
    keyring = keyring_in_use()
    return keyring.notes_key if keyring is not None else None


def _replace_carers(carers: CarersFile, on_roll: list[int], pupil_ids: dict[str, int], *,
                    audit_key: bytes, notes_key: bytes | None = None) -> list[str]:
    """The MIS contacts export is the whole list: a carer it no longer has (a court order, a parent who
    moved away) must not stay on the kiosk as someone a confiscated phone can be released to. Returns the seals of
    the carers removed and added, for the import's event."""
    sealed: list[str] = []
    for pupils in chunked(on_roll, MAX_PARAMETERS):
        gone = [carer_id for (carer_id,) in tuples(Carer.select(Carer.id).where(Carer.pupil.in_(pupils)))]
        sealed += sealing.removed(Carer, gone)
        Carer.delete().where(Carer.pupil.in_(pupils)).execute()
    rows: list[dict[str, Any]] = [
        {"pupil": pupil_ids[admission_key(carer.mis_id)], "name": carer.name,
         "relationship": carer.relationship, "parental_responsibility": carer.parental_responsibility,
         "priority": carer.priority, "telephone": carer.telephone, "mobile": carer.mobile, "email": carer.email,
         "collection": carer.collection, "access_notes": carer.access_notes,
         "lives_with_pupil": carer.lives_with_pupil, "no_communications": carer.no_communications}
        for carer in carers.carers
    ]
    # Court-order and access notes are encrypted at rest (kiosk/privacy/at_rest.py), bound to their row's id: a
    # contact with a note is inserted without it, one by one (a school has few), and the note written encrypted in
    # the same transaction, so the clear text never reaches the database.
    noted = [(row, row.pop("access_notes")) for row in rows if row["access_notes"]]
    plain = [row for row in rows if "access_notes" in row]
    for batch in chunked(plain, MAX_PARAMETERS // (len(plain[0]) if plain else 1)):
        Carer.insert_many(batch).execute()
    for row, notes in noted:
        _insert_with_notes(row, notes, notes_key=notes_key)
    added = []
    for pupils in chunked(on_roll, MAX_PARAMETERS):
        added += [carer_id for (carer_id,) in tuples(Carer.select(Carer.id).where(Carer.pupil.in_(pupils)))]
    return sealed + sealing.reseal_many(audit_key, Carer, added)


def _report(roster: PupilsFile, carers: CarersFile | None, skipped: tuple[Problem, ...], plan: RollPlan, *,
            dry_run: bool, tags_created: int) -> ImportReport:
    warnings = []
    if plan.active_before and len(plan.left) > MASS_LEAVING * plan.active_before:
        warnings.append(Problem(0, f"{len(plan.left)} of the {plan.active_before} pupils on roll are not in "
                                "this file, so the import marks them as left: check it is the whole-school "
                                "export, not one year group (importing the right file brings them back)",
                                roster.file))
    # Each field that held control codes, by line: taken out, and worth putting right in the MIS too.
    warnings.extend(roster.cleaned)
    if carers is not None:
        warnings.extend(carers.cleaned)
    without_carers = 0
    if carers is not None:
        with_carers = {admission_key(carer.mis_id) for carer in carers.carers}
        without_carers = sum(1 for pupil in roster.pupils if admission_key(pupil.mis_id) not in with_carers)
    return ImportReport(
        pupils_file=roster.file,
        carers_file=carers.file if carers is not None else None,
        dry_run=dry_run,
        added=tuple(PupilNote(p.mis_id, p.name, p.form) for p in plan.added),
        updated=tuple(change.note for change in plan.updated),
        left=tuple(note for _pupil_id, note in plan.left),
        returned=tuple(change.note for change in plan.returned),
        unchanged=plan.unchanged,
        carers_imported=len(carers.carers) if carers is not None else 0,
        pupils_without_carers=without_carers,
        tags_created=tags_created,
        problems=tuple(warnings),
        pupils_header_line=roster.header_line,
        pupils_above=roster.above,
        carers_header_line=carers.header_line if carers is not None else None,
        carers_above=carers.above if carers is not None else (),
        carers_skipped=skipped,
        phones_of_leavers=tuple(plan.phones_of_leavers),
        carers_must_not_collect=sum(1 for carer in carers.carers if carer.collection == MUST_NOT_COLLECT)
        if carers is not None else 0,
        says_who_may_collect=carers is None or bool({"may_collect", "must_not_collect"} & carers.supplied),
    )
