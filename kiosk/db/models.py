"""The peewee models: pupils, carers, staff, tags, custody, exceptions and the audit events.

Models are bound to `database_proxy` and the real database is attached at the edge by `open_database`.
All datetimes are naive UTC (see kiosk.clock.to_db). Indexes cover every lookup the desk does.
Each foreign key's id (`pupil_id` beside `pupil`), which peewee adds by itself, is declared with its type for mypy:
peewee's stubs do not know it, and a bare annotation changes nothing at run time.
"""

from __future__ import annotations

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

database_proxy = DatabaseProxy()


class BaseModel(Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class Setting(BaseModel):
    """Key/value facts about the database itself, e.g. the schema version."""

    key = CharField(primary_key=True, max_length=64)
    value = TextField()


class Pupil(BaseModel):
    id = AutoField()
    mis_id = CharField(unique=True, max_length=32)  # admission number (SIMS Adno, Arbor MIS ID…)
    upn = CharField(null=True, max_length=32)
    legal_forename = CharField(max_length=100)
    legal_surname = CharField(max_length=100)
    preferred_forename = CharField(null=True, max_length=100)
    preferred_surname = CharField(null=True, max_length=100)
    year = IntegerField(null=True, index=True)
    form = CharField(max_length=32, index=True)
    # Folded (lower case, accents removed) legal and preferred names, for accent-blind partial search.
    search_name = CharField(max_length=400, index=True)
    active = BooleanField(default=True, index=True)
    left_on = DateField(null=True)
    seal = CharField(null=True, max_length=64)  # schema v4: HMAC over the row's content (kiosk/audit/rows.py)

    @property
    def display_name(self) -> str:
        forename = self.preferred_forename or self.legal_forename
        surname = self.preferred_surname or self.legal_surname
        return f"{forename} {surname}"


class Carer(BaseModel):
    id = AutoField()
    pupil_id: int
    pupil = ForeignKeyField(Pupil, backref="carers", on_delete="CASCADE", index=True)
    name = CharField(max_length=200)
    relationship = CharField(max_length=64, null=True)
    parental_responsibility = BooleanField(default=False)
    priority = IntegerField(null=True)
    telephone = CharField(max_length=40, null=True)
    seal = CharField(null=True, max_length=64)  # schema v4: HMAC over the row's content (kiosk/audit/rows.py)
    # Schema v5, as the MIS knows each contact (issue 16). NULL is "the MIS export did not say", never "no".
    mobile = CharField(max_length=40, null=True)
    email = CharField(max_length=254, null=True)
    collection = CharField(max_length=8, null=True)  # MAY_COLLECT | MUST_NOT_COLLECT | NULL: not said
    # Court order or access notes, shown in full wherever they matter; encrypted at rest from schema 12
    # (kiosk/privacy/at_rest.py: "enc1:…", bound to this row), NULL when the MIS gave none.
    access_notes = TextField(null=True)
    lives_with_pupil = BooleanField(null=True)
    no_communications = BooleanField(null=True)  # the MIS's "no contact" / "do not send": no messages to them


# Carer.collection: whether the MIS says this contact may collect the pupil (kiosk/custody/release.py holds the rule).
MAY_COLLECT = "may"
MUST_NOT_COLLECT = "must-not"


class Staff(BaseModel):
    id = AutoField()
    name = CharField(max_length=200)
    initials = CharField(unique=True, max_length=8)
    role = CharField(max_length=16)
    pin_hash = CharField(max_length=256)
    badge_code = CharField(null=True, unique=True, max_length=64)
    failed_attempts = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    active = BooleanField(default=True)
    seal = CharField(null=True, max_length=64)  # schema v4: HMAC over the row's content (kiosk/audit/rows.py)
    # schema v7: a head of year's year group (7–13): they see and act for those pupils only, and are told of a
    # pupil's 2nd and 3rd confiscation of the term. Sealed with the row (a year group is a permission).
    year_group = IntegerField(null=True)
    # schema v10: where the kiosk emails them (a head of year's notices, the DSL's "a hold was placed"). Sealed with
    # the row: an address changed by hand could send a pupil's notices to someone else.
    email = CharField(null=True, max_length=254)


class Tag(BaseModel):
    id = AutoField()
    pupil_id: int
    code = CharField(unique=True, max_length=32)
    pupil = ForeignKeyField(Pupil, backref="tags", on_delete="RESTRICT", index=True)
    device = CharField(null=True, max_length=200)  # "black iPhone, blue case"
    status = CharField(default="active", max_length=16)  # active | lost | retired
    created_at = DateTimeField()
    label_printed_at = DateTimeField(null=True)
    seal = CharField(null=True, max_length=64)  # schema v4: HMAC over the row's content (kiosk/audit/rows.py)


class Custody(BaseModel):
    """One stay of one device in the office. Open while closed_at is NULL (one open row per tag)."""

    id = AutoField()
    tag_id: int
    pupil_id: int
    opened_by_id: int
    closed_by_id: int | None
    tag = ForeignKeyField(Tag, backref="custodies", on_delete="RESTRICT")
    pupil = ForeignKeyField(Pupil, backref="custodies", on_delete="RESTRICT", index=True)
    kind = CharField(max_length=16)  # daily | confiscated
    state = CharField(max_length=24, index=True)
    slot_box = CharField(null=True, max_length=32)
    slot_position = IntegerField(null=True)
    opened_at = DateTimeField(index=True)
    opened_by = ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    opened_desk = CharField(max_length=64)
    closed_at = DateTimeField(null=True, index=True)
    closed_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    closed_desk = CharField(null=True, max_length=64)
    handed_to = CharField(null=True, max_length=300)
    seal_number = CharField(null=True, max_length=64)
    condition = TextField(null=True)
    reason = TextField(null=True)
    dsl_flag = BooleanField(default=False)
    state_changed_at = DateTimeField()
    # Schema v2: confiscation particulars.
    reason_category = CharField(null=True, max_length=64, index=True)
    location = CharField(null=True, max_length=200)
    confiscated_by_name = CharField(null=True, max_length=200)  # often a teacher, not the person at the desk
    exam_incident = BooleanField(default=False, index=True)
    confiscated_at = DateTimeField(null=True, index=True)  # may be later than opened_at (converted daily phone)
    held_until = DateField(null=True)
    details_json = TextField(null=True)  # exam details, parent informed, collector, police handover…
    seal = CharField(null=True, max_length=64)  # schema v4: HMAC over the row's content (kiosk/audit/rows.py)

    @property
    def slot(self) -> str | None:
        return slot_label(self.slot_box, self.slot_position)


def slot_label(box: str | None, position: int | None) -> str | None:
    if box is None or position is None:
        return None
    if box == "":
        return f"{position:04d}"
    return f"{box}-{position:02d}" if not box.startswith("Y") else f"{box}-{position:03d}"


class PhoneException(BaseModel):
    """An approved exception to the hand-in rule (policy §6): medical, educational visit, young carer…"""

    id = AutoField()
    pupil_id: int
    approved_by_id: int | None
    pupil = ForeignKeyField(Pupil, backref="exceptions", on_delete="CASCADE", index=True)
    kind = CharField(max_length=32)
    approved_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    approved_by_name = CharField(max_length=200)  # as recorded, also when entered at the command line
    valid_from = DateField()
    valid_to = DateField(null=True)
    agreement_ref = CharField(null=True, max_length=100)
    notes = TextField(null=True)
    seal = CharField(null=True, max_length=64)  # schema v4: HMAC over the row's content (kiosk/audit/rows.py)


class Search(BaseModel):
    """A search of a pupil's device (DfE 'Searching, screening and confiscation'), recorded even when
    nothing was found and whether or not the phone was confiscated."""

    id = AutoField()
    pupil_id: int
    custody_id: int | None
    recorded_by_id: int | None
    pupil = ForeignKeyField(Pupil, backref="searches", on_delete="RESTRICT", index=True)
    custody = ForeignKeyField(Custody, null=True, backref="searches", on_delete="RESTRICT")
    at = DateTimeField(index=True)
    desk = CharField(max_length=64)
    recorded_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    searched_by_name = CharField(max_length=200)
    authorised_by_name = CharField(max_length=200)
    grounds = TextField()
    found = TextField()  # "nothing found" is a finding too
    nothing_found = BooleanField(default=False)
    dsl_informed = BooleanField(default=False)
    parent_informed = BooleanField(default=False)
    seal = CharField(null=True, max_length=64)  # schema v4: HMAC over the row's content (kiosk/audit/rows.py)


class DslNote(BaseModel):
    """Safeguarding notes: only the DSL and the head may read them, and every reading is audited."""

    id = AutoField()
    custody_id: int
    pupil_id: int
    author_id: int | None
    custody = ForeignKeyField(Custody, backref="dsl_notes", on_delete="RESTRICT", index=True)
    pupil = ForeignKeyField(Pupil, backref="+", on_delete="RESTRICT")
    at = DateTimeField()
    author = ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    text = TextField()
    seal = CharField(null=True, max_length=64)  # schema v4: HMAC over the row's content (kiosk/audit/rows.py)


class HoldConcern(BaseModel):
    """Schema v9: the kind of concern a safeguarding hold was put on for (suspected indecent image of a child,
    suspected illegal content, other risk of harm), which decides the steps the hold screen shows. Encrypted at
    rest like a DSL note: only the DSL and the head read it (kiosk/custody/concerns.py)."""

    id = AutoField()
    custody_id: int
    pupil_id: int
    recorded_by_id: int | None
    custody = ForeignKeyField(Custody, backref="+", on_delete="RESTRICT", index=True)
    pupil = ForeignKeyField(Pupil, backref="+", on_delete="RESTRICT")
    at = DateTimeField()
    recorded_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    kind = TextField()
    seal = CharField(null=True, max_length=64)


class Examination(BaseModel):
    """Schema v9: data on a confiscated phone examined, and perhaps erased (policy §6.1, DfE 'Searching, screening
    and confiscation'): who examined, who authorised it with their PIN, the good reason, what was looked at, what
    was erased, and who was told. The free text is encrypted at rest (kiosk/custody/examinations.py)."""

    id = AutoField()
    custody_id: int
    pupil_id: int
    recorded_by_id: int | None
    authorised_by_id: int
    custody = ForeignKeyField(Custody, backref="+", on_delete="RESTRICT", index=True)
    pupil = ForeignKeyField(Pupil, backref="+", on_delete="RESTRICT", index=True)
    at = DateTimeField()
    desk = CharField(max_length=64)
    recorded_by = ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    examined_by_name = CharField(max_length=200)
    authorised_by = ForeignKeyField(Staff, backref="+", on_delete="RESTRICT")
    authorised_by_name = CharField(max_length=200)
    authorised_by_role = CharField(max_length=32)
    reason = TextField()
    looked_at = TextField()
    erased = BooleanField(default=False)
    erased_what = TextField()
    dsl_told = BooleanField(default=False)
    parent_told = BooleanField(default=False)
    seal = CharField(null=True, max_length=64)


class Event(BaseModel):
    """The append-only audit log. `chain` = HMAC(key, previous chain ‖ this event's sealed fields)."""

    seq = IntegerField(primary_key=True)
    staff_id: int | None
    pupil_id: int | None
    tag_id: int | None
    custody_id: int | None
    at = DateTimeField(index=True)
    desk = CharField(max_length=64)
    staff = ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT", index=True)
    action = CharField(max_length=48, index=True)
    pupil = ForeignKeyField(Pupil, null=True, backref="+", on_delete="RESTRICT", index=True)
    tag = ForeignKeyField(Tag, null=True, backref="+", on_delete="RESTRICT")
    custody = ForeignKeyField(Custody, null=True, backref="events", on_delete="RESTRICT", index=True)
    custody_state = CharField(null=True, max_length=24)  # the custody's state after this event
    payload_json = TextField(null=True)  # erased (NULL) by retention; payload_hash keeps the chain whole
    payload_hash = CharField(max_length=64)
    chain = CharField(max_length=64)
    # Schema v4: the seals of the rows this event wrote, "table:id:seal" ("-": removed), sealed by the chain
    # and never erased by retention (kiosk/audit/rows.py).
    row_seals = TextField(null=True)
    # Schema 13: the session that recorded it (kiosk/audit/session_id.py), sealed by the chain; NULL before.
    session = CharField(max_length=32, null=True)


class DeskSession(BaseModel):
    """A member of staff signed in at a live session of the kiosk: one row per session while someone is signed in
    there, kept alive by the session's heartbeat (kiosk/auth/desk_sessions.py). Another session setting
    `locked_by` asks it to lock; it reads its own row every few seconds. Not sealed: no custody decision rests on
    it, and every sign-in, sign-out and take-over it serves is an audit event."""

    session = CharField(max_length=32, primary_key=True)
    staff_id: int
    desk = CharField(max_length=64)
    staff = ForeignKeyField(Staff, backref="+", on_delete="CASCADE", index=True)
    signed_in_at = DateTimeField()
    last_seen = DateTimeField()
    locked_by = CharField(max_length=32, null=True)  # the session that took over (its desk in locked_by_desk)
    locked_by_desk = CharField(max_length=64, null=True)
    locked_at = DateTimeField(null=True)


class DeskDay(BaseModel):
    """Time at the desk for one finished day at one desk, worked out once from the events and kept, so a
    year's report reads ~190 rows instead of ~400,000 events. desk '' marks a day with no scans."""

    day = DateField()
    desk = CharField(max_length=64)
    hand_ins = IntegerField(default=0)
    hand_backs = IntegerField(default=0)
    timed_in = IntegerField(default=0)
    seconds_in = FloatField(default=0.0)
    timed_back = IntegerField(default=0)
    seconds_back = FloatField(default=0.0)

    class Meta:
        indexes = ((("day", "desk"), True),)


class PrintJob(BaseModel):
    """One print job of labels (schema v6): who sent what to which printer, and how it ended. Updated as the job is
    followed; a label counts as printed only through a job that reached "completed" (kiosk/labels/history.py)."""

    id = AutoField()
    staff_id: int | None
    at = DateTimeField(index=True)  # when it was sent
    updated_at = DateTimeField()
    finished_at = DateTimeField(null=True)
    desk = CharField(max_length=64)
    staff = ForeignKeyField(Staff, null=True, backref="+", on_delete="RESTRICT")
    staff_name = CharField(max_length=200)  # as signed in, or "command line (user)"
    kind = CharField(max_length=16, default="tags")  # tags | replacement | bag
    what = TextField()  # the choice in words: "form 7A, never printed only"
    tag_ids = TextField()  # JSON list: the tags whose labels are on it, so the job can be printed again
    layout = CharField(max_length=32)
    labels = IntegerField()
    printer = CharField(max_length=300)  # in the office's words: "CUPS queue Reception_QL"
    printer_kind = CharField(max_length=16)  # cups | brother | file (kiosk/labels/from_settings.py)
    printer_target = CharField(max_length=500)
    reference = CharField(null=True, max_length=500)  # the CUPS job id, or the file(s) it was saved to
    state = CharField(max_length=16, index=True)  # pending processing held stopped completed aborted cancelled failed
    why = TextField(null=True)  # why it did not complete, in the office's words
    again_of = IntegerField(null=True, index=True)  # the job this one retries or reprints


class OutboxMessage(BaseModel):
    """A message to a carer or member of staff (schema v8, kiosk/mail/outbox.py): a row first, written in the
    transaction of the action that causes it, then sent by the outbox worker; never sealed, never a decision's basis.
    queued → sending → sent | failed, or withheld (a parent message while the phone is on a safeguarding hold)."""

    id = AutoField()
    custody_id: int | None
    custody = ForeignKeyField(Custody, null=True, backref="messages", on_delete="RESTRICT", index=True)
    created_at = DateTimeField(index=True)
    template = CharField(max_length=48)  # confiscation-notice, hold-placed…
    audience = CharField(max_length=16)  # carer | staff (a parent message is withheld during a hold)
    recipient = CharField(max_length=254)  # the email address
    recipient_name = CharField(max_length=200)
    mobile = CharField(max_length=40, null=True)  # for the MIS messaging export (ParentMail, Groupcall)
    subject = CharField(max_length=300)
    body = TextField()
    attachment = CharField(max_length=48, null=True)  # which paper is attached, e.g. parent-notice
    attachment_json = TextField(null=True)  # the facts that paper prints, as at the action
    message_id = CharField(max_length=200, unique=True)  # kept across a resend, so a mail program can match them
    state = CharField(max_length=16, index=True)
    attempts = IntegerField(default=0)
    next_try_at = DateTimeField(index=True)
    claimed_at = DateTimeField(null=True)  # when a worker began sending it (a crash leaves it "sending")
    resends = IntegerField(default=0)  # times sent again after a crash left it unconfirmed
    answer = TextField(null=True)  # the server's last answer, in its words ("250 2.0.0 Ok: queued as …")
    sent_at = DateTimeField(null=True)
    sent_by = CharField(max_length=16, null=True)  # smtp | export


class AuditHead(BaseModel):
    """One row: the last sequence number and chain value. Updating it serialises appenders on every backend."""

    id = IntegerField(primary_key=True)
    seq = IntegerField()
    chain = CharField(max_length=64)


ALL_MODELS = [Setting, Staff, Pupil, Carer, Tag, Custody, PhoneException, Search, DslNote, DeskDay, AuditHead,
              Event, PrintJob, OutboxMessage, HoldConcern, Examination, DeskSession]

# The rows a decision rests on: each carries its seal (kiosk/audit/rows.py).
SEALED_MODELS = [Staff, Pupil, Carer, Tag, Custody, PhoneException, Search, DslNote, HoldConcern, Examination]
