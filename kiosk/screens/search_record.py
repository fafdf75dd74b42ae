"""Recording a search of a pupil's device (DfE 'Searching, screening and confiscation'; policy §6.1).

A search is recorded even when nothing was found, and with or without a confiscation.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Footer, Input, Label, Static, TextArea

from kiosk.custody import DeskContext, DeskError, PupilSummary
from kiosk.custody.scans import COMMAND_CODES
from kiosk.custody.searches import record_search
from kiosk.screens.base import FindingScreen
from kiosk.screens.desk_card import CODE_AT_END
from kiosk.screens.finding import Found
from kiosk.screens.wording import pupil_line
from kiosk.text import plain_text
from kiosk.widgets.big_text import BigText
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain
from kiosk.widgets.scan_box import SUBMIT_KEYS
from kiosk.widgets.tick_box import TickBox
from kiosk.widgets.worker_jobs import SAVING, BusyButton, on_the_worker, unattended_save

HINT = ("Find the pupil first. A search is recorded whatever it found, even nothing, with or without a "
        "confiscation; the Designated Safeguarding Lead is always told.")
DSL_REMINDER = ("Policy §6.1: the Designated Safeguarding Lead is always told about a search. Tell them now, "
                "and without delay if the search revealed a safeguarding risk.")


class SentenceBox(TextArea):
    """A sentence that wraps over two or three rows (a search's grounds). Enter moves on, as in every other
    field of the form, rather than starting a new line; a desk-card code a scanner typed at the end is taken
    out and read as the desk card, as the one-line fields do."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key not in SUBMIT_KEYS:
            await super()._on_key(event)
            return
        event.stop()
        event.prevent_default()
        match = CODE_AT_END.search(self.text)
        if match is None:
            self.screen.focus_next()
            return
        self.text = self.text[: match.start()]  # what was typed before the code stays
        self.move_cursor(self.document.end)
        code = match.group(1).upper()
        self.screen.desk_card(COMMAND_CODES[code], code)  # type: ignore[attr-defined]


class SearchRecordScreen(FindingScreen):
    """Who searched, who authorised it, the grounds, what was found, and who was told. Opened from the
    confiscation screen (pupil and phone already known) or from the desk (find the pupil first)."""

    HEADING = "RECORD A SEARCH OF A DEVICE"
    HEADING_CLASS = "-search"
    SCAN_PROMPT = "scan the pupil's tag or ID card, or type a name"
    PURPOSE = "record a search for"
    # Back, not Desk: opened from a confiscation, Esc goes back to it.
    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+s", "save", "Save")]
    # The grounds are often a sentence: three rows on a kiosk-sized screen, two at 80x24 (where the form must
    # still fit above Save). The form's rows are as tall as their content (grid-rows: auto), which pays no
    # heed to a height: the minimum and maximum are what set it.
    DEFAULT_CSS = """
    SearchRecordScreen #grounds {
        padding: 0;  /* its words in line with the one-line fields' */
        height: 3;
        min-height: 3;
        max-height: 3;
    }
    SearchRecordScreen.-short #grounds {
        height: 2;
        min-height: 2;
        max-height: 2;
    }
    """

    def __init__(self, ctx: DeskContext, *, pupil: PupilSummary | None = None, custody_id: int | None = None) -> None:
        super().__init__(ctx)
        self.pupil = pupil
        self.custody_id = custody_id
        self.saved = False
        self.saving: BusyButton | None = None  # while the search's write is out: Save is disabled

    def compose(self) -> ComposeResult:
        who = self.ctx.who
        yield from self.compose_top()
        with VerticalScroll(id="search-body"):
            yield Static(HINT, id="hint", markup=False)  # styled as the confiscation screen's hint
            yield MessageLine(id="problem")
            yield Static(id="search-pupil")
            with Grid(id="search-form", classes="form"):
                yield Label("Searched by")
                yield Input(who.name, id="searched-by", compact=True)
                yield Label("Authorised by")
                yield Input(placeholder="the headteacher or authorised member of staff", id="authorised-by",
                            compact=True)
                yield Label("Grounds")
                yield SentenceBox(placeholder="why there were reasonable grounds to search", id="grounds",
                                  compact=True, soft_wrap=True, show_line_numbers=False, tab_behavior="focus",
                                  highlight_cursor_line=False)
                yield Label("What was found")
                yield Input(placeholder="leave empty if nothing was found", id="found", compact=True)
                yield Label("Who was told")
                with Horizontal(id="search-told"):
                    yield TickBox("DSL informed", id="dsl-informed", compact=True)
                    yield TickBox("Parent or carer informed", id="parent-informed", compact=True)
            yield MessageLine(id="search-error")
            with Horizontal(id="search-buttons", classes="buttons"):
                yield Button("Save (Ctrl+S)", variant="primary", id="search-save")
                yield Button("Cancel (Esc)", id="search-cancel")
            with Vertical(id="search-done"):
                yield BigText("✔ SEARCH RECORDED", id="search-headline")
                yield Static(id="search-summary")
        yield Footer()

    def on_mount(self) -> None:
        if self.pupil is not None:
            self.query_one("#scan").display = False
        self.show_step(bindings=False)  # the footer is built once the screen is shown
        if self.pupil is not None:
            self.query_one("#authorised-by", Input).focus()

    def show_step(self, *, bindings: bool = True) -> None:
        known = self.pupil is not None
        self.query_one("#hint").display = not known
        self.query_one("#search-pupil").display = known
        for part in ("#search-form", "#search-error", "#search-buttons"):
            self.query_one(part).display = known and not self.saved
        self.query_one("#search-done").display = self.saved
        if known and self.pupil is not None:
            phone = " · with the confiscation just recorded" if self.custody_id else ""
            self.query_one("#search-pupil", Static).update(plain(pupil_line(self.pupil) + phone))
        if bindings:
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return self.pupil is not None and not self.saved and self.saving is None
        return True

    def identified(self, found: Found) -> None:
        if self.saving is not None:  # the form on screen is the one being saved: it stays until the answer
            self.show_problem("Wait: this search is still being saved.", "warning")
            return
        self.pupil = found.pupil
        self.saved = False
        self.pupil_chosen()
        self.show_step()
        self.query_one("#authorised-by", Input).focus()

    def value(self, field_id: str) -> str:
        """What was typed in a box, as it is kept: plain text (kiosk/text.py)."""
        if field_id == "grounds":
            return plain_text(self.query_one("#grounds", SentenceBox).text.strip(), lines=True)
        return plain_text(self.query_one(f"#{field_id}", Input).value)

    def action_save(self) -> None:
        """The search is written on the desk's worker; Save stays disabled until the answer, and SEARCH RECORDED
        shows only once the commit has returned."""
        if self.pupil is None or self.saved or self.saving is not None:
            return
        dsl = self.query_one("#dsl-informed", Checkbox).value
        parent = self.query_one("#parent-informed", Checkbox).value
        pupil = self.pupil
        run = partial(record_search, self.ctx, pupil_id=pupil.id, searched_by_name=self.value("searched-by"),
                      authorised_by_name=self.value("authorised-by"), grounds=self.value("grounds"),
                      found=self.value("found"), dsl_informed=dsl, parent_informed=parent,
                      custody_id=self.custody_id)
        self.saving = BusyButton(self.query_one("#search-save", Button))
        self.query_one("#search-error", MessageLine).waiting(SAVING)
        self.refresh_bindings()
        on_the_worker(self, run, then=lambda row: self.recorded(pupil, row, dsl=dsl, parent=parent),
                      failed=self.not_recorded, unattended=unattended_save("The record of a search"))

    def _answered(self) -> None:
        if self.saving is not None:
            self.saving.done()
            self.saving = None
        self.refresh_bindings()

    def not_recorded(self, error: DeskError) -> None:
        self._answered()
        self.query_one("#search-error", MessageLine).say(error.message)

    def recorded(self, pupil: PupilSummary, row: Any, *, dsl: bool, parent: bool) -> None:
        """`row`: the search as saved (record_search's own row; only its plain fields are read here)."""
        self._answered()
        self.query_one("#search-error", MessageLine).clear()
        self.saved = True
        self.clear_problem()  # a warning about the form is stale once it is saved
        summary = Text.assemble((f"{pupil.name} · {pupil.form}", "bold"),
                                f"\nSearched by {row.searched_by_name}, authorised by {row.authorised_by_name}.",
                                f"\nFound: {row.found}.",
                                f"\nDSL informed: {'yes' if dsl else 'no'} · parent or carer informed: "
                                f"{'yes' if parent else 'no'}.")
        if not dsl:
            summary.append(f"\n⚠ {DSL_REMINDER}", style="bold")
        self.query_one("#search-summary", Static).update(plain(summary))
        self.show_step()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "search-save":
            self.action_save()
        else:
            self.action_back()
