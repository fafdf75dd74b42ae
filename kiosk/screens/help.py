"""F1: the keys of the screen in front, and how the desk's flows go, for the member of staff signed in."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from kiosk.auth.roles import Permission
from kiosk.auth.staff import SignedIn
from kiosk.custody.scans import COMMAND_CODES
from kiosk.widgets.plain import plain
from kiosk.widgets.title_bar import role_words

# (needs, title, how) — a flow is listed only for a role that may do it.
FLOWS: tuple[tuple[Permission | None, str, str], ...] = (
    (Permission.HAND_IN, "Hand in (morning)",
     "F2, or scan HAND IN on the desk card. Scan each phone's tag: the banner says ✔ HANDED IN and the slot. "
     "No tag to hand? Type the pupil's name and Enter, then choose them."),
    (Permission.HAND_BACK, "Hand back (end of the day)",
     "F3, or scan HAND BACK on the desk card. Scan the tag: fetch the phone from the slot shown in big letters."),
    (None, "Reading the result",
     "✔ and a green banner: done. ⚠ and amber: done, but read the note. ✖ and red: refused, nothing changed; "
     "the line under it says what to do."),
    (Permission.CONFISCATE, "Confiscate (F5)",
     "Scan the tag or type the name, fill in who, why, where and the bag number, then Ctrl+S. Print the notice "
     "for parents (P) and the bag label (B) from the confirmation."),
    (Permission.RELEASE, "Release to a carer (F6)",
     "Scan the bag label or tag, choose who collects, check their ID, and sign off with your PIN."),
    (Permission.VIEW_PUPILS, "Look a pupil up (F4)",
     "Scan the phone's tag or a school ID card, or type a name or a form (9C) and Enter: the page says where "
     "the phone is now, its tag, the carers, approved exceptions and the history. Type again for the next pupil; "
     "Esc goes back."),
    (Permission.VIEW_REPORTS, "Reports (Ctrl+R)",
     "D day, W week, T term, Y year, R a range of days; [ and ] for the period before or after. S saves a PDF "
     "(the period, or one report from the list), C a CSV of the days, P the review pack. Esc goes back."),
    (Permission.HAND_IN, "Tags & labels (F12)",
     "Print tag labels for a pupil, a form, a year or everyone; see the count per form before printing. "
     "A lost or damaged tag: find the pupil, then 'Lost tag: replace' or 'Damaged tag: replace': the old code "
     "stops working and the new label prints."),
    (Permission.CLOSE_DAY, "Close the day (F9)",
     "After the last hand-back: F9 (or scan CLOSE DAY), then Y (or scan CLOSE DAY again). Phones still here "
     "are listed as uncollected."),
    (None, "Database unreachable (a red line under HAND IN / HAND BACK)",
     "The kiosk cannot reach its database: do not hand phones back until the line goes (nothing could record "
     "who took them). Hand-ins are refused too (NOT SAVED): keep those phones aside and scan them once the line "
     "has gone. It reconnects by itself within seconds of the database returning; if it stays, call IT."),
    (None, "Lock",
     "Ctrl+L or scan LOCK whenever you leave the desk; it also locks itself when idle. Nothing about any pupil "
     "stays on the screen."),
    (None, "Anything else",
     "Ctrl+P opens the command palette: type a few letters of any action (e.g. 'back', 'theme')."),
)


def key_words(key: str) -> str:
    """'ctrl+l' -> 'Ctrl+L', 'f12' -> 'F12', 'escape' -> 'Esc': keys as printed on the keyboard."""
    names = {"escape": "Esc", "enter": "Enter", "tab": "Tab"}
    parts = key.split(",")[0].split("+")
    return "+".join(names.get(p, p.upper() if len(p) <= 3 else p.capitalize()) for p in parts).replace(
        "CTRL", "Ctrl")


def keys_table(keys: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, description in keys:
        table.add_row(Text(key), Text(description))  # as Text: a str cell would be read as markup
    return table


def flows_for(who: SignedIn) -> Text:
    """Each flow's name in bold on its own line, then how it goes: reads the same at 80 columns and at 200. Plain
    text, never markup: "[ and ] for the period before or after" shows its brackets."""
    cards = " · ".join(words.upper() for words in COMMAND_CODES.values())
    flows = [(title, how) for needs, title, how in FLOWS if needs is None or who.can(needs)]
    flows.append(("Scanner only", f"The desk card (kiosk desk-card) has barcodes for {cards}: scan them instead "
                                  "of pressing keys."))
    text = Text()
    for index, (title, how) in enumerate(flows):
        text.append("\n" if index else "")
        text.append(title, "bold")
        text.append(f"\n  {how}")
    return text


class HelpScreen(ModalScreen[None]):
    """The keys shown are the screen's own (only those this role may use); Esc, Enter or F1 closes it."""

    AUTO_FOCUS = "#help-body"
    BINDINGS = [Binding("escape,enter,f1", "close", "Close help")]

    def __init__(self, *, who: SignedIn, keys: list[tuple[str, str]], screen_name: str) -> None:
        super().__init__()
        self.who = who
        self.keys = keys
        self.screen_name = screen_name  # "the desk", "the release screen", "this screen"

    def compose(self) -> ComposeResult:
        with Vertical(id="help", classes="dialog"):
            # Names are text, never markup.
            yield Label(plain(f"Help · {self.who.name} ({role_words(self.who.role)})"), id="help-title",
                        classes="dialog-title", markup=False)
            with VerticalScroll(id="help-body"):
                yield Static(plain(f"Keys on {self.screen_name}"), classes="section-title", markup=False)
                yield Static(keys_table(self.keys), id="help-keys")
                yield Static("How the desk works", classes="section-title")
                yield Static(flows_for(self.who), id="help-flows")
            yield Label("Esc, Enter or F1: close · ↑↓ PgUp PgDn Home End: more", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss()
