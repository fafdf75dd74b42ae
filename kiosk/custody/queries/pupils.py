"""Pupils as the screens look them up: a form typed by its name, the forms and years on roll, a pupil's carers."""

from __future__ import annotations

from dataclasses import dataclass

from peewee import fn

from kiosk.custody.receipts import PupilSummary
from kiosk.db.connection import storage_guard
from kiosk.db.models import MAY_COLLECT, MUST_NOT_COLLECT, Carer, Pupil
from kiosk.db.rows import tuples
from kiosk.privacy import at_rest


@dataclass(frozen=True)
class FormOnRoll:
    form: str  # as the roster spells it
    pupils: tuple[PupilSummary, ...]  # on roll, by legal surname then forename (empty when all have left)


@dataclass(frozen=True)
class OnRoll:
    forms: tuple[str, ...]  # 7C before 10HA
    years: tuple[int, ...]


@dataclass(frozen=True)
class CarerOption:
    id: int
    name: str
    relationship: str
    parental_responsibility: bool
    priority: int | None
    telephone: str
    # As the MIS knows the contact (issue 16): "" / None where the export did not say.
    mobile: str = ""
    email: str = ""
    may_collect: bool | None = None  # True: the MIS says they may; False: MUST NOT COLLECT; None: not said
    access_notes: str = ""  # court order or access notes, shown in full
    lives_with_pupil: bool | None = None
    no_communications: bool = False

    @property
    def must_not_collect(self) -> bool:
        return self.may_collect is False


@storage_guard
def form_named(*, text: str) -> FormOnRoll | None:
    """The form `text` names, case ignored ("9c" is 9C), with its pupils on roll; None when no pupil, on roll
    or left, was ever in a form of that name."""
    forms = {form.casefold(): form for (form,) in tuples(Pupil.select(fn.DISTINCT(Pupil.form)))}
    form = forms.get(text.strip().casefold())
    if form is None:
        return None
    pupils = (Pupil.select().where((Pupil.form == form) & Pupil.active)
              .order_by(Pupil.legal_surname, Pupil.legal_forename))
    return FormOnRoll(form, tuple(PupilSummary.of(p) for p in pupils))


@storage_guard
def forms_and_years() -> OnRoll:
    """The forms and year groups with a pupil on roll, for choosing whose labels to print."""
    forms = sorted({p.form for p in Pupil.select(Pupil.form).where(Pupil.active == True)},  # noqa: E712
                   key=lambda f: (len(f.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), f))
    years = sorted({p.year for p in Pupil.select(Pupil.year).where(Pupil.active == True)  # noqa: E712
                    if p.year is not None})
    return OnRoll(tuple(forms), tuple(years))


@storage_guard
def carers_to_contact(*, pupil_id: int) -> tuple[CarerOption, ...]:
    """The pupil's carers from the MIS in the order the office turns to them: those with parental responsibility
    first, then by the MIS's priority (none last), then by name. For a release and for 'parent informed'."""
    rows = (Carer.select().where(Carer.pupil == pupil_id)
            .order_by(Carer.parental_responsibility.desc(), Carer.priority.asc(nulls="LAST"), Carer.name))
    # A contact the MIS says must not collect comes last, whatever their priority: never the one picked by habit.
    return tuple(sorted((_option(c) for c in rows), key=lambda option: option.must_not_collect))


@storage_guard
def carers_on_roster(*, pupil_id: int) -> tuple[CarerOption, ...]:
    """The pupil's carers in the MIS's own order (its priority, then as imported), as the pupil page lists them."""
    rows = Carer.select().where(Carer.pupil == pupil_id).order_by(Carer.priority, Carer.id)
    return tuple(_option(c) for c in rows)


def _option(carer: Carer) -> CarerOption:
    may_collect = {MAY_COLLECT: True, MUST_NOT_COLLECT: False}.get(carer.collection or "")
    return CarerOption(carer.id, carer.name, carer.relationship or "", bool(carer.parental_responsibility),
                       carer.priority, carer.telephone or "", mobile=carer.mobile or "", email=carer.email or "",
                       # kept encrypted at rest (kiosk/privacy/at_rest.py): read with the key file this desk loaded
                       may_collect=may_collect, access_notes=at_rest.access_notes_of(carer) or "",
                       lives_with_pupil=carer.lives_with_pupil, no_communications=bool(carer.no_communications))
