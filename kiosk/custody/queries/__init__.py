"""The read side the screens use: each function takes keyword arguments and returns plain frozen dataclasses
(never a database model), and a database failure comes out as StorageFailed ("NOT READ: …"), a DeskError.

One module per thing read, so a newcomer finds a screen's reads by the screen's subject:
records (one custody record and what its state allows), pupils (forms, carers), pupil_page and history (F4),
confiscations (the confiscation and release screens), holds (the DSL), stocktake, threads (a worker's connection).
Finding the pupil a scan or a typed name means is kiosk.custody.lookup.
"""

from kiosk.custody.queries.confiscations import (
    LastConfiscation,
    SealedPhone,
    confiscations_held,
    confiscations_since,
    exceptions_in_force,
    held_phone_sealed_in,
    last_confiscation,
    open_record_of_tag,
)
from kiosk.custody.queries.history import HistoryLine, pupil_history, what_happened
from kiosk.custody.queries.holds import Hold, dsl_note_count, holds_now
from kiosk.custody.queries.pupil_page import ExceptionLine, PupilPage, TagLine, pupil_page
from kiosk.custody.queries.pupils import (
    CarerOption,
    FormOnRoll,
    OnRoll,
    carers_on_roster,
    carers_to_contact,
    form_named,
    forms_and_years,
)
from kiosk.custody.queries.records import PhoneRecord
from kiosk.custody.queries.stocktake import TagSeen, last_record_of_tag, open_record_count, tag_seen
from kiosk.custody.queries.threads import finished_reading

__all__ = [
    "CarerOption", "ExceptionLine", "FormOnRoll", "HistoryLine", "Hold", "LastConfiscation", "OnRoll", "PhoneRecord",
    "PupilPage", "SealedPhone", "TagLine", "TagSeen", "carers_on_roster", "carers_to_contact", "confiscations_held",
    "confiscations_since", "dsl_note_count", "exceptions_in_force", "finished_reading", "form_named", "forms_and_years",
    "held_phone_sealed_in", "holds_now",
    "last_confiscation", "last_record_of_tag", "open_record_count", "open_record_of_tag", "pupil_history",
    "pupil_page", "tag_seen", "what_happened",
]
