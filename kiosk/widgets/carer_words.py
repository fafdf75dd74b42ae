"""How a carer from the MIS is described on screen (the release screen's choice, the pupil page): relationship,
priority, parental responsibility, mobile, email, and "MUST NOT COLLECT" with the court-order or access note in full.

Every value is the MIS's own text, shown as text (kiosk/widgets/plain.py), never read as markup: an access note may
well hold [square brackets].
"""

from __future__ import annotations

from rich.text import Text

from kiosk.custody.queries import CarerOption

MUST_NOT_COLLECT = "✖ MUST NOT COLLECT"


def carer_facts(carer: CarerOption) -> Text:
    """What follows a carer's name in the choice of collector: " · Mother · priority 1 · ✔ parental responsibility
    · 07700 …" (their mobile, else their telephone)."""
    text = Text(f" · {carer.relationship or 'relationship not recorded'}")
    if carer.priority is not None:
        text.append(f" · priority {carer.priority}")
    if carer.parental_responsibility:
        text.append(" · ✔ parental responsibility", style="bold")
    else:
        text.append(" · no parental responsibility", style="bold")
    if carer.may_collect:
        text.append(" · ✔ may collect")
    if carer.mobile or carer.telephone:
        text.append(f" · {carer.mobile or carer.telephone}", style="dim")
    return text


def carer_extras(carer: CarerOption, *, shown_number: str) -> Text:
    """The rest the MIS says of a carer, for the pupil page: may collect, another number than `shown_number`, email,
    whether they live with the pupil, and its "no contact" flag."""
    text = Text()
    if carer.may_collect:
        text.append(" · ✔ may collect")
    for number in dict.fromkeys(n for n in (carer.mobile, carer.telephone) if n and n != shown_number):
        text.append(f" · {number}")  # a file with only a mobile column fills both: shown once
    if carer.email:
        text.append(f" · {carer.email}")
    if carer.lives_with_pupil is not None:
        text.append(" · lives with the pupil" if carer.lives_with_pupil else " · does not live with the pupil", "dim")
    if carer.no_communications:
        text.append(" · no contact (MIS): the kiosk sends them nothing", "bold")
    return text


def carer_restriction(carer: CarerOption) -> Text | None:
    """The lines under a carer the MIS restricts: MUST NOT COLLECT and the note in full, or a court-order or access
    note on its own. None when the MIS says nothing."""
    if carer.must_not_collect:
        text = Text()
        text.append(MUST_NOT_COLLECT, style="bold red")
        text.append(" (MIS): only the DSL can release a phone to them.", style="bold")
        text.append(f"\nNote: {carer.access_notes or 'the MIS gives no note'}")
        return text
    if carer.access_notes:
        return Text.assemble(("Access notes (MIS): ", "bold"), carer.access_notes)
    return None
