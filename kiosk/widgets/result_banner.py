"""The big result of the last scan: icon and word in colour, the pupil, the slot, and what to do next."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Static

from kiosk.custody import Outcome, Receipt, Severity
from kiosk.widgets.big_text import BigText, can_draw
from kiosk.widgets.plain import plain

READY = "Scan a tag or a school ID card, or type a name and press Enter."
ICONS = {Severity.OK: "✔", Severity.WARNING: "⚠", Severity.REFUSED: "✖"}


@dataclass(frozen=True)
class Result:
    """What the banner shows, already worded; built from a receipt or from a desk error."""

    severity: Severity
    headline: str  # "HANDED IN", "ALREADY IN", "UNKNOWN TAG"…
    message: str
    pupil: str = ""  # "Ruby Mitchell"
    form: str = ""
    slot: str | None = None
    notes: tuple[str, ...] = field(default=())
    fetch: bool = False  # the slot is where staff fetch the phone from now (a hand-back): drawn the largest


    @property
    def icon(self) -> str:
        return ICONS[self.severity]

    @classmethod
    def of_receipt(cls, receipt: Receipt) -> Result:
        # A refused phone stays where it is: its slot is not offered as if it could be fetched.
        slot = receipt.slot if receipt.severity is not Severity.REFUSED else None
        return cls(severity=receipt.severity, headline=receipt.outcome.value, message=receipt.message,
                   pupil=receipt.pupil.name, form=receipt.pupil.form, slot=slot, notes=receipt.notes,
                   fetch=slot is not None and receipt.outcome is Outcome.HANDED_BACK)

    @classmethod
    def problem(cls, headline: str, message: str) -> Result:
        return cls(severity=Severity.REFUSED, headline=headline, message=message)


class ResultBanner(Vertical):
    """The largest thing on the desk screen. The screen calls show() after every scan, waiting() while the database
    has not answered, and clear() on lock."""

    def __init__(self, *, id: str | None = None, ready: str | None = None) -> None:
        super().__init__(id=id, classes="-idle")
        self.result: Result | None = None
        self.ready = ready or READY  # the line under READY until the first scan
        self.scale = 1

    def compose(self) -> ComposeResult:
        yield BigText(id="headline")
        # On a kiosk-sized screen the pupil's name is in block letters too, on its own line (the bold line instead
        # when a letter has no block form, "Siobhán"); the bold line is then hidden, as it would say nothing new.
        yield BigText(id="pupil-big")
        # Names, codes and typed words are text, never markup ("No pupil on the roster matches '[b]x'").
        yield Static(id="pupil", markup=False)
        with Horizontal(id="slot-row"):
            yield Label("SLOT", id="slot-label")
            yield BigText(id="slot")
        yield Static(id="message", markup=False)
        yield Static(id="notes", markup=False)

    def on_mount(self) -> None:
        self.clear()

    def set_scale(self, scale: int) -> None:
        """1 at desk size; 2 on a kiosk-sized screen (140×40 and up), where the name gets block letters too."""
        self.scale = scale
        if self.result is not None:
            self.show(self.result)
        else:
            self.query_one("#headline", BigText).scale = scale

    def _scales(self, result: Result) -> None:
        large = self.scale >= 2
        # At a hand-back the slot is what staff read to fetch the phone: larger than the headline.
        self.query_one("#headline", BigText).scale = 1 if large and result.fetch else self.scale
        self.query_one("#slot", BigText).scale = self.scale
        self.query_one("#pupil-big", BigText).scale = 1

    def show(self, result: Result) -> None:
        self.result = result
        self.set_classes(f"-{result.severity.value}")
        self.query_one("#headline", BigText).text = f"{result.icon} {result.headline}"
        self._scales(result)
        name = f"{result.pupil} {result.form}"
        # A name with a letter the block font lacks ("Zoë") keeps its exact spelling on the bold line.
        large_name = self.scale >= 2 and bool(result.pupil) and can_draw(name)
        big = self.query_one("#pupil-big", BigText)
        big.text = name if large_name else ""
        big.display = large_name
        pupil = self.query_one("#pupil", Static)
        pupil.update(plain(f"{result.icon} {result.pupil} · {result.form}" if result.pupil else ""))
        pupil.display = bool(result.pupil) and not large_name
        self.query_one("#slot", BigText).text = result.slot or ""
        self.query_one("#slot-row").display = bool(result.slot)
        # "Slot 7C-01" under the slot in big letters says nothing new; anything more ("left overnight") does.
        says_only_slot = bool(result.slot) and result.message.strip(". ") == f"Slot {result.slot}"
        message = "" if says_only_slot else result.message
        self.query_one("#message", Static).update(plain(message))
        self.query_one("#message").display = bool(message)
        notes = self.query_one("#notes", Static)
        notes.update(plain("\n".join(f"▶ {note}" for note in result.notes)))
        notes.display = bool(result.notes)

    def clear(self) -> None:
        """Forget the last pupil: nothing about them stays on screen."""
        self._plain("-idle", "READY", self.ready)

    def idle(self, message: str) -> None:
        """No result to show, and something to say under READY (the desk switched to HAND BACK by itself)."""
        self._plain("-idle", "READY", message)

    def waiting(self, headline: str, message: str) -> None:
        """No result yet: the desk is waiting for the database's answer (SAVING...). Names no pupil, and shows no
        earlier result, which could be read as this scan's."""
        self._plain("-saving", headline, message)

    def _plain(self, classes: str, headline: str, message: str) -> None:
        self.result = None
        self.set_classes(classes)
        self.query_one("#headline", BigText).text = headline
        self.query_one("#headline", BigText).scale = self.scale
        self.query_one("#pupil", Static).display = False
        self.query_one("#pupil-big", BigText).text = ""
        self.query_one("#pupil-big").display = False
        self.query_one("#slot", BigText).text = ""
        self.query_one("#slot-row").display = False
        self.query_one("#message", Static).update(plain(message))
        self.query_one("#message").display = True
        self.query_one("#notes", Static).display = False

    @property
    def saving(self) -> bool:
        return self.has_class("-saving")
