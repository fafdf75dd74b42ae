"""The phone itself, as recorded when it was confiscated (make, model, colour, case, SIM, IMEI, visible damage): the
school is liable for it until it is released, so what it was like then is shown at every handover and printed on
every paper. Kept in the custody's details (details_json, sealed with the record) under "phone".

The same particulars may be kept on a pupil's tag for daily hand-in (tag.phone_json, sealed with the tag:
kiosk/custody/tag_phone.py), checked here the same way: shown at hand back, and the confiscation form's starting
values when that pupil's phone is confiscated."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from kiosk.custody.errors import DeskError
from kiosk.text import plain_text

SIM_NOT_CHECKED = "not checked"
SIM_ANSWERS = (SIM_NOT_CHECKED, "yes", "no")
# The same words at return as at confiscation, unless a difference is typed (release.py keeps what was typed).
AS_WHEN_CONFISCATED = "as when confiscated"
_LONGEST = 80  # a field's length on the form and on the paper's line


@dataclass(frozen=True)
class PhoneParticulars:
    """What the phone looked like when it was taken ("" where not recorded)."""

    make: str = ""
    model: str = ""
    colour: str = ""
    case: str = ""  # e.g. "blue silicone case", "none"
    sim: str = SIM_NOT_CHECKED  # SIM card present: yes / no / not checked
    imei: str = ""  # 15 digits, when someone read it from the phone or its box
    damage: str = ""  # visible damage, in words ("crack across the top left corner")

    def as_details(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_details(cls, details: dict[str, Any] | None) -> PhoneParticulars | None:
        if not details:
            return None
        known = {name: str(details.get(name) or "") for name in cls.__dataclass_fields__}
        known["sim"] = known["sim"] or SIM_NOT_CHECKED
        return cls(**known)

    def as_json(self) -> str:
        """As a tag keeps it (sorted keys: the same particulars are always the same text, and so the same seal)."""
        return json.dumps(self.as_details(), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> PhoneParticulars | None:
        """A tag's particulars, or None when none were recorded (or what is kept is not particulars)."""
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return cls.from_details(data) if isinstance(data, dict) else None

    @property
    def recorded(self) -> bool:
        return any((self.make, self.model, self.colour, self.case, self.imei, self.damage)) \
            or self.sim != SIM_NOT_CHECKED

    def described(self) -> str:
        """One line for a screen: "Samsung Galaxy A15, black, case: blue silicone, SIM yes"."""
        parts = [" ".join(p for p in (self.make, self.model) if p) or "make not recorded"]
        if self.colour:
            parts.append(self.colour)
        parts.append(f"case: {self.case or 'not recorded'}")
        parts.append(f"SIM {self.sim}")
        if self.imei:
            parts.append(f"IMEI {self.imei}")
        return ", ".join(parts)

    def rows(self) -> list[tuple[str, str]]:
        """Its lines on a paper, every field named (a dispute turns on the one left out)."""
        return [("Make and model", " ".join(p for p in (self.make, self.model) if p) or "not recorded"),
                ("Colour", self.colour or "not recorded"),
                ("Case", self.case or "not recorded"),
                ("SIM card present", self.sim),
                ("IMEI", self.imei or "not recorded"),
                ("Visible damage", self.damage or "none recorded")]


def imei_problem(imei: str) -> str | None:
    """Why `imei` (spaces and dashes allowed) is not an IMEI, or None: 15 digits whose last is the Luhn check digit,
    so a digit misread from the sticker is caught at the desk, not in a dispute."""
    digits = imei.replace(" ", "").replace("-", "")
    if not digits.isdigit() or len(digits) != 15:
        return "An IMEI is 15 digits (dial *#06# or read the box). Check it, or leave it empty."
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            value = value - 9 if value > 9 else value
        total += value
    if total % 10:
        return "That IMEI's check digit does not match: a digit was misread. Check it, or leave it empty."
    return None


def checked(particulars: PhoneParticulars | None, *, condition: tuple[str, ...] | list[str] = ()) \
        -> PhoneParticulars | None:
    """The particulars as they will be kept (plain, trimmed, the IMEI as its digits), or a DeskError saying what to
    fix. The condition's ticks must not contradict them (a "SIM present" tick with "SIM: no")."""
    if particulars is None:
        return None
    fields = {name: plain_text(str(getattr(particulars, name) or "")).strip()
              for name in PhoneParticulars.__dataclass_fields__}
    for name, value in fields.items():
        if len(value) > _LONGEST:
            raise DeskError(f"The phone's {name} is too long: keep it under {_LONGEST} characters.")
    sim = fields["sim"] or SIM_NOT_CHECKED
    if sim not in SIM_ANSWERS:
        raise DeskError(f"SIM card present: choose {', '.join(SIM_ANSWERS)}.")
    if "SIM present" in condition:
        if sim == "no":
            raise DeskError("The condition says a SIM is present but the phone's SIM says no: correct one of them.")
        sim = "yes"
    fields["sim"] = sim
    if fields["imei"]:
        problem = imei_problem(fields["imei"])
        if problem:
            raise DeskError(problem)
        fields["imei"] = fields["imei"].replace(" ", "").replace("-", "")
    return PhoneParticulars(**fields)
