"""The kind of concern a safeguarding hold is for, and the steps each kind requires of the staff who hold the phone.

The words follow the UKCIS advice 'Sharing nudes and semi-nudes: advice for education settings working with
children and young people' (2020, updated 2024) and policy §6.1, in the school's plain English. The kind is
safeguarding information: stored encrypted (kiosk.custody.safeguarding), shown only to the DSL and the head once
saved, never written into an event, a log or a message.
"""

from __future__ import annotations

from enum import StrEnum


class ConcernKind(StrEnum):
    INDECENT_IMAGE = "indecent_image"  # suspected indecent image or video of a child (nudes or semi-nudes)
    ILLEGAL_CONTENT = "illegal_content"  # suspected illegal content, or evidence of an offence
    RISK_OF_HARM = "risk_of_harm"  # any other risk of harm to the pupil or to someone else


CONCERN_WORDS: dict[ConcernKind, str] = {
    ConcernKind.INDECENT_IMAGE: "Suspected indecent image or video of a child",
    ConcernKind.ILLEGAL_CONTENT: "Suspected illegal content or evidence of an offence",
    ConcernKind.RISK_OF_HARM: "Another risk of harm",
}

# What each kind requires, in order, of whoever holds the phone (the hold screen shows them to the DSL again).
CONCERN_STEPS: dict[ConcernKind, tuple[str, ...]] = {
    ConcernKind.INDECENT_IMAGE: (
        "Do not view the image or video, and do not let anyone else view it.",
        "Do not copy, print, save, screenshot or forward it: not even to the DSL.",
        "Do not delete it, and do not ask the pupil to delete it.",
        "Do not send it or show it to anyone, and do not ask the pupil to describe it.",
        "Switch the phone off, seal it in its bag and keep it apart, locked away.",
        "Tell the DSL now. The DSL decides with the police (always the police if an adult is involved, "
        "the child is under 13, or there is coercion or risk of harm).",
    ),
    ConcernKind.ILLEGAL_CONTENT: (
        "Do not look through the phone for anything more.",
        "Do not delete, copy or send anything, and do not let the pupil do so.",
        "Switch the phone off, seal it in its bag and keep it apart, locked away.",
        "Tell the DSL now: the phone goes to the police as soon as is reasonably practicable (policy §6.1).",
    ),
    ConcernKind.RISK_OF_HARM: (
        "Do not look at anything more on the phone.",
        "Do not delete anything, and do not let the pupil do so.",
        "Keep it switched off, sealed in its bag.",
        "Tell the DSL now, in person or by phone: the DSL decides whether the police are told.",
    ),
}


# The last step of each kind, "Tell the DSL now…", as the DSL reads it on the holds screen: what is theirs to do.
DSL_STEPS: dict[ConcernKind, str] = {
    ConcernKind.INDECENT_IMAGE: "You are the DSL: decide with the police (always the police if an adult is involved, "
                                "the child is under 13, or there is coercion or risk of harm).",
    ConcernKind.ILLEGAL_CONTENT: "You are the DSL: the phone goes to the police as soon as is reasonably practicable "
                                 "(policy §6.1).",
    ConcernKind.RISK_OF_HARM: "You are the DSL: decide whether the police are told.",
}


def concern_steps(kind: ConcernKind, *, for_the_dsl: bool = False) -> tuple[str, ...]:
    """The steps `kind` requires, in order; for the DSL, the last (tell the DSL) is what the DSL decides."""
    steps = CONCERN_STEPS[kind]
    return (*steps[:-1], DSL_STEPS[kind]) if for_the_dsl else steps


def concern_kind(value: str | None) -> ConcernKind | None:
    """The kind a stored or chosen value names; None for nothing chosen or a value this version does not know."""
    try:
        return ConcernKind(value) if value else None
    except ValueError:
        return None


def concern_words(kind: ConcernKind | None) -> str:
    return CONCERN_WORDS[kind] if kind is not None else "not recorded (held before kinds were recorded)"
