"""The desk's one serial worker: the database work a screen asks for runs on a thread of its own, one job at a time
in the order asked, and each answer comes back to the UI thread as a message, so a database that hangs never
freezes the screen and scans keep their order.

The app owns the one worker (`KioskApp.desk_worker`, started and stopped with the app) and hands it down to the
screens it opens. A screen submits a job and says what to do with its answer:

    job = worker.submit(partial(hand_over_scan, ctx, scan, mode=mode), owner=self,
                        then=self.show_receipt, failed=self.show_problem, wait=ANSWER_WAIT_SECONDS)

* `run` is called on the worker's thread with no arguments. It must touch no widget: it returns a value (a frozen
  receipt, a list of pupils) or raises a DeskError, a refusal whose message is fit for the desk.
* `then(value)` or `failed(error)` is called on the UI thread, in the order the jobs were submitted, when the app
  reads the worker's `Finished` message (posting a message is the one thread-safe way into Textual).
* Anything else `run` raises is a bug. It is raised again on the UI thread, so it reaches Textual's crash handler
  like a bug in a key handler would, rather than vanishing with a thread.
* `wait`: how long the screen waits for this answer before going on, and only when nothing else is outstanding
  (never behind a job that may be stuck). A healthy database answers in a few milliseconds, so the answer is shown
  in the same frame as the key that asked, with no "saving…" flicker; when it does not, the screen goes back to its
  keys and the answer arrives later. It is the longest the screen can be kept from its keys: keep it short.
* `job.done` says whether `then`/`failed` has run (so whether the screen must show that it is waiting).
* When the screens go before their answers arrive (the desk locks), `let_go()` hands every outstanding answer to
  the job's `unattended(value or error)` instead: a sentence fit for the lock screen (no pupil's name) that the
  app shows as a notification, or None to say nothing. The job itself still runs: it was a staff member's scan.

The thread keeps its own database connection (the database keeps one per thread) from its first job until it ends,
when `on_exit` closes it. `stop()` (the app closing) drops the jobs not yet begun, since nobody is left to be told
their answer, and lets the running one finish; the thread is a daemon, so a database that never answers cannot
keep the program from exiting, and a write cut off that way is rolled back by the database, never half-saved.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Generic, TypeVar

from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump

from kiosk.errors import DeskError

T = TypeVar("T")


@dataclass(eq=False)
class Job(Generic[T]):
    """One piece of database work and what to do with its answer."""

    number: int  # rises with every submission: the order the answers are given in
    run: Callable[[], T]
    owner: MessagePump  # the screen (or the app) the answer is for
    then: Callable[[T], None]
    failed: Callable[[DeskError], None]
    unattended: Callable[[Any], str | None] | None
    # Written on the worker's thread, under the worker's lock:
    finished: bool = False
    value: Any = None
    error: BaseException | None = None
    # Written on the UI thread:
    waited: bool = False  # the screen is waiting for it in submit(), so no Finished message is posted for it
    done: bool = False  # its answer has been given (then, failed or unattended)
    let_go: bool = False  # its screen went before the answer came
    extra: dict[str, Any] = field(default_factory=dict)  # anything the submitting screen wants to keep with it


class DeskWorker:
    """Runs database jobs one at a time, in submission order, on one thread; answers come back as messages."""

    class Finished(Message):
        """A job has finished on the worker's thread (posted from there); the app gives its answer."""

        def __init__(self, job: Job[Any]) -> None:
            super().__init__()
            self.job = job

    def __init__(self, app: App[Any], *, name: str = "desk worker",
                 on_exit: Callable[[], None] | None = None) -> None:
        self.app = app
        self.on_exit = on_exit
        self._cond = threading.Condition()
        self._queue: deque[Job[Any]] = deque()  # submitted, not yet begun (worker's lock)
        self._stopping = False
        self._numbers = count(1)
        self._outstanding: deque[Job[Any]] = deque()  # submitted, answer not yet given (UI thread only)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    # ── the UI thread's side ───────────────────────────────────────────────────────────────────────────────
    def start(self) -> None:
        if not self._thread.is_alive():
            self._thread.start()

    def stop(self) -> None:
        """The app is closing: drop what has not begun; the running job finishes, then the thread ends. Never waits."""
        with self._cond:
            self._stopping = True
            self._queue.clear()
            self._cond.notify_all()

    @property
    def outstanding(self) -> int:
        """Jobs submitted whose answer has not been given yet."""
        return len(self._outstanding)

    def submit(self, run: Callable[[], T], *, owner: MessagePump, then: Callable[[T], None],
               failed: Callable[[DeskError], None], unattended: Callable[[Any], str | None] | None = None,
               wait: float = 0.0) -> Job[T]:
        """Queue `run` behind every job submitted before it; see the module's docstring for the rest."""
        job: Job[T] = Job(next(self._numbers), run, owner, then, failed, unattended)
        alone = not self._outstanding  # nothing ahead of it whose answer is still to come
        self._outstanding.append(job)
        with self._cond:
            if self._stopping:
                return job  # the app is closing: nobody is left to see the answer
            job.waited = alone and wait > 0
            self._queue.append(job)
            self._cond.notify_all()
            if job.waited:
                # The worker sees `waited` under the same lock: it either finished in time (and posts nothing, the
                # answer is given here) or it will post a message, because `waited` is false by then.
                job.waited = self._cond.wait_for(lambda: job.finished, timeout=wait)
        if job.waited:
            self.give_answer(job)
        return job

    def give_answer(self, job: Job[Any]) -> None:
        """On the UI thread: call the job's `then`, `failed` or `unattended`; a bug is raised here."""
        if job.done:
            return
        job.done = True
        self._outstanding.remove(job)
        error = job.error
        if error is not None and not isinstance(error, DeskError):
            raise error  # a bug in the job: Textual's crash handler takes it from here, as from any handler
        if job.let_go or not self._still_there(job.owner):
            words = job.unattended(error if error is not None else job.value) if job.unattended else None
            if words:
                self.app.notify(words, severity="error" if error is not None else "information", timeout=30)
            return
        if error is not None:
            job.failed(error)
        else:
            job.then(job.value)

    def let_go(self) -> None:
        """The screens have gone (the desk locked): every answer still to come goes to `unattended`."""
        for job in self._outstanding:
            job.let_go = True

    def _still_there(self, owner: MessagePump) -> bool:
        return owner is self.app or owner.is_attached

    # ── the worker's thread ───────────────────────────────────────────────────────────────────────────────
    def _run(self) -> None:
        try:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._stopping or bool(self._queue))
                    if not self._queue:
                        return  # stopping, and nothing left that was begun
                    job = self._queue.popleft()
                value: Any = None
                error: BaseException | None = None
                try:
                    value = job.run()
                except BaseException as exc:  # noqa: BLE001 - handed to the UI thread: shown if a DeskError, else raised there
                    error = exc
                with self._cond:
                    job.value, job.error, job.finished = value, error, True
                    post = not job.waited
                    self._cond.notify_all()
                if post:
                    try:
                        self.app.post_message(self.Finished(job))
                    except Exception:  # noqa: BLE001 - the app has gone: nobody is left to tell
                        pass
        finally:
            if self.on_exit is not None:
                self.on_exit()
