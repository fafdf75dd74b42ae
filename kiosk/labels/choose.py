"""Choosing whose labels to print: one pupil, a form, a year group, everyone, or only those never printed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from peewee import fn

from kiosk.custody.codes import grouped
from kiosk.db.connection import storage_guard
from kiosk.db.models import Pupil, Tag
from kiosk.labels.content import TagLabel
from kiosk.labels.layouts import Layout

_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class LabelChoice:
    """Which active tags to print. With nothing set: every pupil on roll. The narrowing fields combine
    (form 9A, never printed)."""

    pupil_id: int | None = None
    tag_id: int | None = None
    form: str | None = None
    year: int | None = None
    never_printed: bool = False

    def describe(self) -> str:
        parts = []
        if self.tag_id is not None:
            tag = Tag.select(Tag, Pupil).join(Pupil).where(Tag.id == self.tag_id).first()
            parts.append(f"{tag.pupil.display_name} ({tag.pupil.form}), tag {grouped(tag.code)}" if tag
                         else "one tag")
        if self.pupil_id is not None:
            pupil = Pupil.get_or_none(Pupil.id == self.pupil_id)
            parts.append(f"{pupil.display_name} ({pupil.form})" if pupil else "one pupil")
        if self.form:
            parts.append(f"form {self.form.strip().upper()}")
        if self.year is not None:
            parts.append(f"year {self.year}")
        text = ", ".join(parts) or "everyone on roll"
        return f"{text}, never printed only" if self.never_printed else text


def _form_order(form: str) -> tuple[int | str, ...]:
    # 7A before 10A: numbers compare as numbers.
    return tuple(int(part) if part.isdigit() else part.casefold() for part in _DIGITS.split(form))


def tags_to_print(choice: LabelChoice) -> list[Tag]:
    """The active tags chosen, with their pupils, in the order the office hands labels out: by form, then
    surname and forename. Pupils who have left are included only when chosen by name or tag."""
    query = Tag.select(Tag, Pupil).join(Pupil).where(Tag.status == "active")
    if choice.tag_id is not None:
        query = query.where(Tag.id == choice.tag_id)
    if choice.pupil_id is not None:
        query = query.where(Pupil.id == choice.pupil_id)
    if choice.tag_id is None and choice.pupil_id is None:
        query = query.where(Pupil.active == True)  # noqa: E712 - peewee expression
    if choice.form:
        query = query.where(fn.UPPER(Pupil.form) == choice.form.strip().upper())
    if choice.year is not None:
        query = query.where(Pupil.year == choice.year)
    if choice.never_printed:
        query = query.where(Tag.label_printed_at.is_null())
    return sort_for_printing(list(query))


def sort_for_printing(tags: list[Tag]) -> list[Tag]:
    """By form, then surname and forename: the order the office hands labels out (tags read with their pupils)."""
    tags.sort(key=lambda tag: (_form_order(tag.pupil.form), tag.pupil.legal_surname.casefold(),
                               tag.pupil.legal_forename.casefold(), tag.id))
    return tags


def tag_label(tag: Tag, school: str) -> TagLabel:
    pupil = tag.pupil
    return TagLabel(code=tag.code, name=pupil.display_name, form=pupil.form, school=school,
                    surname=pupil.preferred_surname or pupil.legal_surname)


@dataclass(frozen=True)
class PrintPreview:
    """What the Labels screen shows before printing: how many labels for which forms, on what, where."""

    choice: str
    total: int
    per_form: tuple[tuple[str, int], ...]  # in print order
    layout: str  # the layout's title
    pages: int  # sheets of paper, or labels off the roll
    printer: str

    def lines(self) -> list[str]:
        if not self.total:
            return [f"No labels to print for {self.choice}."]
        sheets = f"{self.pages} sheet{'s' if self.pages != 1 else ''}" if self.pages != self.total else ""
        return [f"{self.total} label{'s' if self.total != 1 else ''} for {self.choice}"
                + (f" on {sheets}" if sheets else ""),
                ", ".join(f"{form} {count}" for form, count in self.per_form),
                f"Layout: {self.layout}", f"Printer: {self.printer}"]


@storage_guard  # it reads the tags: a failure is NOT READ, which the Labels screen shows
def preview(choice: LabelChoice, layout: Layout, printer: str) -> PrintPreview:
    per_form: dict[str, int] = {}
    for tag in tags_to_print(choice):
        per_form[tag.pupil.form] = per_form.get(tag.pupil.form, 0) + 1
    total = sum(per_form.values())
    return PrintPreview(choice=choice.describe(), total=total, per_form=tuple(per_form.items()),
                        layout=layout.title, pages=-(-total // layout.per_page), printer=printer)
