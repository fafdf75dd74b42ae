"""How a screen other than the desk hands its database work to the desk's one worker, and what it shows meanwhile.

Every read and write a screen asks of the database runs on the app's worker (kiosk/widgets/desk_worker.py), in
order behind the desk's scans, never on the UI thread: a database that hangs never freezes the kiosk. The key that
asked waits a moment for the answer (a healthy database gives it within the same frame, so nothing flickers); when
it takes longer the screen says "saving…" or "reading…", goes on taking keys, and shows the answer when it comes.
A save is shown as done only once its commit has returned; a failure reads NOT SAVED or NOT READ, as the domain
words it (StorageFailed), never a crash.

A job (`run`) touches no widget: it gets its arguments from the screen when asked (a functools.partial of a domain
function) and returns frozen results or raises a DeskError. `then` and `failed` run on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widgets import Button

from kiosk.errors import DeskError, StorageFailed
from kiosk.widgets.desk_worker import FRAME_WAIT_SECONDS, DeskWorker, Job

T = TypeVar("T")


SAVING = "saving… waiting for the database; nothing is recorded until it answers"
READING = "reading…"
# A dialog's Esc while its save is out: it closes by itself on the answer (or says NOT SAVED and stays).
STILL_SAVING = "Still saving: this closes by itself once the database answers (a few seconds at most)."


def desk_worker(node: MessagePump) -> DeskWorker:
    """The app's one worker for this desk (KioskApp.desk_worker)."""
    worker = getattr(node.app, "desk_worker", None)
    if not isinstance(worker, DeskWorker):
        raise RuntimeError("the kiosk's screens run inside its app, which owns the desk's worker")
    return worker


def on_the_worker(owner: MessagePump, run: Callable[[], T], *, then: Callable[[T], None],
                  failed: Callable[[DeskError], None],
                  unattended: Callable[[Any], str | None] | None = None) -> Job[T]:
    """Run `run` on the desk's worker, behind everything asked before it; `then(value)` or `failed(error)` on the
    UI thread when it answers (at once when within FRAME_WAIT_SECONDS). When `owner` has gone by then (Esc, or the
    desk locked), `unattended(value or error)` says what a toast tells instead (None: nothing)."""
    return desk_worker(owner).submit(run, owner=owner, then=then, failed=failed, unattended=unattended,
                                     wait=FRAME_WAIT_SECONDS)


def unattended_save(what: str) -> Callable[[Any], str]:
    """For a save whose screen went before its answer came: the toast's words. `what` names no pupil (the toast
    may show on the lock screen), e.g. "The confiscation (bag BAG-0042)"."""

    def words(answer: Any) -> str:
        if isinstance(answer, StorageFailed):
            return f"✖ {what}: {answer.message} Open it again and save it again."
        if isinstance(answer, DeskError):
            return f"✖ {what} was refused and NOT SAVED. Open it again to see why."
        return f"✔ {what} was saved after its screen closed."

    return words


def dismiss_when_saved(dialog: Screen[Any], result: Any) -> None:
    """A dialog's save has been committed: close it with `result`. Textual's dismiss() pops whatever screen is on
    top, so a help screen or the palette opened over the dialog while it waited goes first."""
    if dialog.app.screen is not dialog:
        dialog.pop_until_active()
    dialog.dismiss(result)


class BusyButton:
    """A button while its action's answer is out: disabled (a second press does nothing: no double confiscation or
    release) and saying what it waits for; `done()` gives it back as it was."""

    def __init__(self, button: Button, words: str = "Saving…") -> None:
        self.button = button
        self.label = button.label
        button.disabled = True
        button.label = words

    def done(self) -> None:
        self.button.disabled = False
        self.button.label = self.label
