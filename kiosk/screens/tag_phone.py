"""Recording the phone a pupil's tag is for (issue 16), from the pupil page: make, model, colour, SIM, case, an
optional IMEI and any visible damage, as the confiscation form asks them. Checked by the domain as a confiscation's
particulars are (kiosk/custody/phone.py `checked`: an IMEI's check digit); everything left empty clears them.
Shown at hand back so the receptionist can check it is the right phone, and the confiscation form starts from them."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from kiosk.custody import DeskContext, DeskError
from kiosk.custody.codes import grouped
from kiosk.custody.phone import SIM_ANSWERS, SIM_NOT_CHECKED, PhoneParticulars
from kiosk.custody.tag_phone import TagPhoneRecorded, record_phone_on_tag
from kiosk.screens.base import FOCUSED_BUTTON_CSS
from kiosk.screens.desk_card import DeskCardKeys
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain
from kiosk.widgets.worker_jobs import SAVING, STILL_SAVING, BusyButton, dismiss_when_saved, on_the_worker

# The confiscation form's inputs, by the same ids (kiosk/screens/confiscate.py PHONE_INPUTS): the same words.
FIELDS = (("make", "make"), ("model", "model"), ("colour", "colour"), ("case", "case, or none"),
          ("imei", "IMEI, optional"), ("damage", "visible damage"))


class TagPhoneDialog(DeskCardKeys, ModalScreen[TagPhoneRecorded | None]):
    """The particulars of the phone tag `tag_code` is for; dismisses with what was recorded, or None."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS + """
    TagPhoneDialog { align: center middle; }
    TagPhoneDialog .phone-row { height: auto; }
    TagPhoneDialog .phone-row Input { width: 1fr; margin-right: 1; }
    TagPhoneDialog .phone-row #phone-sim { width: 18; }
    """
    AUTO_FOCUS = "#phone-make"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, ctx: DeskContext, *, tag_id: int, tag_code: str, pupil_name: str,
                 phone: PhoneParticulars | None) -> None:
        super().__init__()
        self.ctx = ctx
        self.tag_id = tag_id
        self.tag_code = tag_code
        self.pupil_name = pupil_name
        self.phone = phone or PhoneParticulars()
        self.saving: BusyButton | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="tag-phone", classes="dialog"):
            yield Label(plain(f"Their phone · {self.pupil_name} · tag {grouped(self.tag_code)}"),
                        classes="dialog-title", markup=False)
            yield Label("Shown at hand back, to check it is the right phone; a confiscation's form starts from it. "
                        "Leave every box empty to clear it.", classes="dialog-hint")
            with Grid(classes="form"):
                yield Label("The phone")
                with Horizontal(classes="phone-row"):
                    for name, placeholder in FIELDS[:3]:
                        yield Input(getattr(self.phone, name), placeholder=placeholder, id=f"phone-{name}",
                                    compact=True)
                    yield Select([(f"SIM {answer}", answer) for answer in SIM_ANSWERS], allow_blank=False,
                                 value=self.phone.sim or SIM_NOT_CHECKED, id="phone-sim", compact=True)
                yield Label("Case·IMEI·damage")
                with Horizontal(classes="phone-row"):
                    for name, placeholder in FIELDS[3:]:
                        yield Input(getattr(self.phone, name), placeholder=placeholder, id=f"phone-{name}",
                                    compact=True)
            yield MessageLine(id="tag-phone-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="tag-phone-ok")
                yield Button("Cancel (Esc)", id="tag-phone-cancel")

    def particulars(self) -> PhoneParticulars:
        """As typed; the domain makes it plain text and checks it."""
        typed = {name: self.query_one(f"#phone-{name}", Input).value for name, _ in FIELDS}
        return PhoneParticulars(**typed, sim=str(self.query_one("#phone-sim", Select).value))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "phone-damage":
            self.save()
        else:
            self.focus_next()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "tag-phone-ok":
            self.save()
        else:
            self.action_cancel()

    def save(self) -> None:
        """Saved on the desk's worker; the dialog dismisses only once the particulars are committed."""
        if self.saving is not None:
            return
        run = partial(record_phone_on_tag, self.ctx, tag_id=self.tag_id, phone=self.particulars())
        self.saving = BusyButton(self.query_one("#tag-phone-ok", Button))
        self.query_one("#tag-phone-error", MessageLine).waiting(SAVING)
        on_the_worker(self, run, then=lambda recorded: dismiss_when_saved(self, recorded), failed=self.refused)

    def refused(self, failure: DeskError) -> None:
        if self.saving is not None:
            self.saving.done()
            self.saving = None
        self.query_one("#tag-phone-error", MessageLine).say(failure.message)

    def action_cancel(self) -> None:
        if self.saving is not None:
            self.query_one("#tag-phone-error", MessageLine).waiting(STILL_SAVING)
            return
        self.dismiss(None)
