"""Recording a handover within the school (issue 16): a held phone taken from the office safe to the DSL's or the
head's office, or brought back, as one link in its chain of custody. Each side signs: with their initials and PIN
when they are at the desk, or by name as the office records it; the side at the safe is whoever is signed in,
unless someone else is named. A resealed bag's new number is recorded with the old one."""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

from kiosk.auth.staff import AccountLocked
from kiosk.custody import DeskContext, DeskError
from kiosk.custody.handovers import Link, hand_over
from kiosk.custody.links import PLACES, Signer
from kiosk.messages import LockRequested
from kiosk.screens.base import FOCUSED_BUTTON_CSS
from kiosk.screens.record_dialog import RecordDialog
from kiosk.text import plain_text
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain


class HandoverDialog(RecordDialog[Link | None]):
    """Where the phone goes, who gives it and who takes it; dismisses with the link recorded, or None."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS + """
    HandoverDialog .phone-row { height: auto; }
    HandoverDialog .phone-row Input { width: 1fr; margin-right: 1; }
    """
    AUTO_FOCUS = "#handover-to"
    RECORD_BUTTON = "handover-ok"
    ERROR_LINE = "handover-error"
    LAST_FIELD = "handover-note"
    CANCELLED = None

    def __init__(self, ctx: DeskContext, *, custody_id: int, pupil_name: str, place: str, seal: str,
                 phone: str = "") -> None:
        super().__init__()
        self.ctx = ctx
        self.custody_id = custody_id
        self.pupil_name = pupil_name
        self.place = place
        self.seal = seal
        self.phone = phone

    def compose(self) -> ComposeResult:
        elsewhere = [place for place in PLACES if place != self.place] or list(PLACES)
        with Vertical(id="handover", classes="dialog"):
            yield Label(plain(f"Hand over · {self.pupil_name}"), classes="dialog-title", markup=False)
            yield Label(plain(f"Now in the {self.place}, bag {self.seal or '—'}."
                              + (f"\nPhone: {self.phone}" if self.phone else "")
                              + "\nEach side types their initials and PIN, or is named; blank at the safe: you."),
                        classes="dialog-hint", markup=False)
            with Grid(classes="form"):
                yield Label("To")
                yield Select([(place, place) for place in elsewhere], allow_blank=False, value=elsewhere[0],
                             id="handover-to", compact=True)
                for side, words in (("giver", "Given by"), ("taker", "Taken by")):
                    yield Label(words)
                    with Horizontal(classes="phone-row"):
                        yield Input(placeholder="initials", id=f"{side}-initials", compact=True)
                        yield Input(placeholder="PIN, if here", password=True, id=f"{side}-pin", compact=True)
                        yield Input(placeholder="or their name", id=f"{side}-name", compact=True)
                yield Label("New seal")
                yield Input(placeholder="only if the bag was opened and resealed", id="handover-seal", compact=True)
                yield Label("Note")
                yield Input(placeholder="why, e.g. for the DSL to see", id="handover-note", compact=True)
            yield MessageLine(id="handover-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Record handover", variant="primary", id="handover-ok")
                yield Button("Cancel (Esc)", id="handover-cancel")

    def signer(self, side: str) -> Signer | None:
        pin = self.query_one(f"#{side}-pin", Input)
        signer = Signer(name=plain_text(self.query_one(f"#{side}-name", Input).value),
                        initials=plain_text(self.query_one(f"#{side}-initials", Input).value), pin=pin.value)
        pin.value = ""  # a PIN is taken into one save, never left in the box
        return signer if signer.pin or signer.name.strip() else None

    def read_and_save(self) -> None:
        to_place = str(self.query_one("#handover-to", Select).value)
        run = partial(hand_over, self.ctx, self.custody_id, to_place=to_place, released_by=self.signer("giver"),
                      received_by=self.signer("taker"),
                      new_seal=plain_text(self.query_one("#handover-seal", Input).value),
                      note=plain_text(self.query_one("#handover-note", Input).value))
        self.save(run, answer=lambda link: link)

    def refused(self, error: DeskError) -> None:
        super().refused(error)
        if isinstance(error, AccountLocked):  # wrong PINs typed here locked the account signed in: the desk locks
            self.post_message(LockRequested("account locked"))


