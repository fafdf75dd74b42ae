"""A demo school with invented pupils, staff and a morning's activity, for trying the kiosk safely."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from pathlib import Path

from kiosk.auth import add_staff, sign_in
from kiosk.clock import Clock, FixedClock
from kiosk.config import Settings
from kiosk.custody import DeskContext, close_day, hand_back, hand_in, resolve_pupil
from kiosk.custody.exceptions import add_exception
from kiosk.db.models import Pupil, Staff
from kiosk.keyring import Keyring
from kiosk.platform import private_folder

FORENAMES = [
    "Amelia", "Olivia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Grace", "Freya", "Sophia", "Evie", "Poppy",
    "Ella", "Rosie", "Harper", "Willow", "Aisha", "Maryam", "Zoë", "Chloé", "Renée", "Siobhán", "Aoife",
    "Niamh", "Priya", "Ananya", "Mei", "Oliver", "Noah", "George", "Arthur", "Leo", "Harry", "Oscar",
    "Theo", "Henry", "Jack", "Charlie", "Freddie", "Alfie", "Archie", "Muhammad", "Yusuf", "Ibrahim",
    "Łukasz", "Jakub", "Mateusz", "José", "Björn", "Kwame", "Tobi", "Chidi", "Ravi", "Arjun", "Kai", "Finn",
]
SURNAMES = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
    "Khan", "Ahmed", "Hussain", "Begum", "Kowalski", "Nowakowski", "Nguyễn", "Trần", "Ó Súilleabháin",
    "O'Brien", "Mac Giolla Phádraig", "Okafor", "Adeyemi", "Mensah", "Fernández", "Müller", "Øberg",
    "Singh", "Kaur", "Chen", "Wang", "Lloyd", "Hughes", "Morgan", "Price", "Fitzgerald-Montgomery",
]
NICKNAMES = {"Amelia": "Millie", "Olivia": "Liv", "Sophia": "Sophie", "Muhammad": "Mo", "Oliver": "Ollie",
             "Alfie": "Alf", "Archie": "Arch", "Jakub": "Kuba", "Mateusz": "Mat", "Ananya": "Anu", "Ibrahim": "Ibi",
             "Theo": "Teddy", "Charlie": "Chaz", "Rosie": "Ro", "Łukasz": "Luke"}
RELATIONSHIPS = [("Mother", True), ("Father", True), ("Grandparent", False), ("Aunt", False),
                 ("Foster carer", False), ("Step-father", False)]
YEARS = {7: "ABCDEF", 8: "ABCDEF", 9: "ABCDE", 10: "ABCDE", 11: "ABCDE"}

DEMO_STAFF = [
    # name, initials, role, PIN — printed on start so anyone can try the demo
    ("Dana Morgan", "DM", "office", "246810"),
    ("Alex Rivers", "AR", "admin", "135790"),
    ("Priya Shah", "PS", "dsl", "864209"),
    ("Tom Ellis", "TE", "teacher", "975310"),
]


SCHOOL_NAME = "Hillcrest Academy (demo)"


def demo_settings(settings: Settings, folder: Path) -> Settings:
    """This desk's settings pointed at the demo school in `folder`: its own database, key and witness file (never
    the school's, whatever kiosk.toml names), its name, and the sign-in on the lock screen."""
    _name, initials, role, pin = DEMO_STAFF[0]
    return replace(settings, database=str(folder / "demo.db"), key_file=str(folder / "demo.key"), witness_file="",
                   school_name=SCHOOL_NAME,
                   lock_notice=f"Demo school: sign in as {initials}, PIN {pin} ({role}). Every name is invented.")


@dataclass(frozen=True)
class DemoSignIn:
    initials: str
    pin: str
    role: str


def write_demo_roster(folder: Path, pupils: int = 1000, seed: int = 2026) -> tuple[Path, Path]:
    """A SIMS-shaped export of invented pupils and carers."""
    rng = random.Random(seed)
    private_folder(folder)  # the demo's database and key go here too: private from the start, as a school's would be
    pupils_csv, carers_csv = folder / "demo-pupils.csv", folder / "demo-contacts.csv"
    forms = [(year, f"{year}{letter}") for year, letters in YEARS.items() for letter in letters]
    with pupils_csv.open("w", newline="", encoding="utf-8-sig") as pf, \
            carers_csv.open("w", newline="", encoding="utf-8-sig") as cf:
        pw, cw = csv.writer(pf), csv.writer(cf)
        pw.writerow(["Adno", "UPN", "Legal Surname", "Legal Forename", "Preferred Forename", "Year", "Reg"])
        cw.writerow(["Adno", "Contact Name", "Relationship", "Parental Responsibility", "Priority", "Telephone",
                     "Email"])
        for n in range(pupils):
            year, form = forms[n % len(forms)]
            adno = str(500000 + n * 7)
            forename, surname = rng.choice(FORENAMES), rng.choice(SURNAMES)
            preferred = NICKNAMES.get(forename, "") if rng.random() < 0.25 else ""
            pw.writerow([adno, f"D{800000000 + n:09d}X", surname, forename, preferred, f"Year {year}", form])
            for priority, (relationship, responsibility) in enumerate(rng.sample(RELATIONSHIPS, 2), start=1):
                title = "Mr" if relationship in ("Father", "Step-father") else rng.choice(["Mrs", "Ms", "Miss"])
                name = f"{title} {rng.choice(FORENAMES)} {surname}"
                # An address at a domain kept for examples (RFC 2606), so the demo shows the outbox at work and
                # nothing it sends can reach anyone.
                cw.writerow([adno, name, relationship, "Yes" if responsibility else "No", priority,
                             f"0770{rng.randrange(1000000):07d}", f"carer.{adno}.{priority}@family.example"])
    return pupils_csv, carers_csv


def build_demo(*, keyring: Keyring, clock: Clock, settings: Settings, folder: Path, pupils: int = 1000) -> None:
    """Fill an empty database: staff, the roster, an exception, yesterday's uncollected phone and this
    morning's hand-ins (as if the desk had been busy since 08:00)."""
    from kiosk.roster import import_roster

    if Staff.select().count():
        return
    # As a school sets up: the first admin (kiosk init), who then signs for everyone else (kiosk staff add --as).
    admins = [person for person in DEMO_STAFF if person[2] == "admin"]
    first = add_staff(keyring=keyring, clock=clock, desk=settings.desk, name=admins[0][0], initials=admins[0][1],
                      role="admin", pin=admins[0][3])
    for name, initials, role, pin in DEMO_STAFF:
        if initials != first.initials:
            add_staff(keyring=keyring, clock=clock, desk=settings.desk, name=name, initials=initials, role=role,
                      pin=pin, added_by=first.id)
    pupils_csv, carers_csv = write_demo_roster(folder, pupils)
    import_roster(pupils_csv, carers_csv, clock=clock, audit_key=keyring.audit_key, desk=settings.desk,
                  staff_id=Staff.get(Staff.initials == "AR").id, dry_run=False, tz=settings.tz)

    tz = settings.tz
    today = clock.now().astimezone(tz).date()
    # A school morning that has already happened: yesterday's session, then today's from 08:00.
    yesterday = today - timedelta(days=3 if today.weekday() == 0 else 1)
    replay = FixedClock(datetime.combine(yesterday, time(8, 0), tzinfo=tz))
    office = sign_in(keyring=keyring, clock=replay, desk=settings.desk, who="DM", pin="246810")
    admin = sign_in(keyring=keyring, clock=replay, desk=settings.desk, who="AR", pin="135790")
    ctx = DeskContext(keyring, replay, settings, office)
    rng = random.Random(7)
    everyone = [p.id for p in Pupil.select(Pupil.id).order_by(Pupil.id)]
    add_exception(DeskContext(keyring, replay, settings, admin), pupil_id=everyone[3], kind="medical",
                  valid_from=yesterday, valid_to=today + timedelta(days=120), agreement_ref="MED-014",
                  notes="glucose monitor app")
    for pupil_id in everyone[:40]:
        replay.advance(seconds=rng.uniform(2, 6))
        hand_in(ctx, resolve_pupil(pupil_id))
    replay.set(datetime.combine(yesterday, time(15, 10), tzinfo=tz))
    for pupil_id in everyone[:38]:  # two are left behind overnight
        replay.advance(seconds=rng.uniform(2, 6))
        hand_back(ctx, resolve_pupil(pupil_id))
    replay.set(datetime.combine(yesterday, time(17, 30), tzinfo=tz))
    close_day(ctx)
    start = datetime.combine(today, time(8, 0), tzinfo=tz)
    if clock.now() > start:
        replay.set(start)
        for pupil_id in rng.sample(everyone[40:], k=max(0, min(len(everyone) - 40, pupils // 3))):
            if replay.now() >= clock.now():
                break
            replay.advance(seconds=rng.uniform(1.5, 4))
            hand_in(ctx, resolve_pupil(pupil_id))


def demo_sign_ins() -> list[DemoSignIn]:
    return [DemoSignIn(initials, pin, role) for _name, initials, role, pin in DEMO_STAFF]
