"""The desk's one serial worker: the database work a screen asks for runs on a thread of its own, one job at a time
in the order asked, and each answer comes back to the UI thread as a message, so a database that hangs never
freezes the screen and scans keep their order.

The app owns the one worker (`KioskApp.desk_worker`, started and stopped with the app) and hands it down to the
screens it opens. A screen submits a job and says what to do with its answer:

    job = self.worker.submit(partial(find_pupils, search), owner=self,
                             then=self.offer_pupils, failed=self.show_problem, wait=FRAME_WAIT_SECONDS)

* `run` is called on the worker's thread with no arguments. It must touch no widget: it returns a value (a frozen
  receipt, a list of pupils) or raises a DeskError, a refusal whose message is fit for the desk.
* `then(value)` or `failed(error)` is called on the UI thread, in the order the jobs were submitted, when the app
  reads the worker's `Finished` message (posting a message is the one thread-safe way into Textual), or at once
  when the screen waited for it (`wait`).
* Anything else `run` raises is a bug. It is raised again on the UI thread, so it reaches Textual's crash handler
  like a bug in a key handler would, rather than vanishing with a thread.
* `wait`: how long the screen waits for this answer (and the answers ahead of it, which come first) before going
  on. A healthy database answers in a few milliseconds, so the answer is shown in the same frame as the key that
  asked, with no "saving…" flicker, and a burst of scans goes as fast as on one thread (the worker has Python to
  itself while the screen waits, and catches up while it waits if it fell behind). When not one job finishes in a
  whole wait, the database is slow or hung: nothing waits again until an answer has come, the screen goes back to
  its keys, and the answers come by message. So `wait` is the longest a key can be kept waiting by a database
  that hangs: keep it short (every screen waits FRAME_WAIT_SECONDS, 30 ms).
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
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from typing import Any, Generic, TypeVar

from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump

from kiosk.errors import DeskError, StorageFailed
from kiosk.text import plain_text

# How long the key that asked waits for its answer (and those ahead of it) before the screen goes back to its keys:
# a healthy database answers within it, in the same frame; a hung one costs each key no more than this. Every
# screen uses this one figure.
FRAME_WAIT_SECONDS = 0.03

T = TypeVar("T")

# While a backlog of answers is coming (the database was slow, then caught up), they are given at most this often,
# together: one repaint for many rather than one each, which would leave the worker waiting for Python's GIL while
# the screen draws. Short enough that no one sees the wait.
ANSWERS_EVERY = 0.03


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


class DeskWorker:
    """Runs database jobs one at a time, in submission order, on one thread; answers come back as messages."""

    class Finished(Message):
        """Answers have come (posted from the worker's thread, one at a time): the app calls answers_came()."""

    def __init__(self, app: App[Any], *, name: str = "desk worker",
                 on_exit: Callable[[], None] | None = None) -> None:
        self.app = app
        self.on_exit = on_exit
        self._cond = threading.Condition()
        self._queue: deque[Job[Any]] = deque()  # submitted, not yet begun (worker's lock)
        self._stopping = False
        self._numbers = count(1)
        self._outstanding: deque[Job[Any]] = deque()  # submitted, answer not yet given (UI thread only)
        self._behind = False  # a wait ran out with no job finishing, and no answer has come since (UI thread)
        self._finished = 0  # jobs finished so far (worker's lock)
        self._posted = False  # a Finished message is on its way and not yet read (worker's lock)
        self._answered_at = 0.0  # time.monotonic() of the last give_answers() (UI thread)
        self._answer_timer: Any = None  # answers to be given shortly (UI thread)
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
        self._outstanding.append(job)
        with self._cond:
            if self._stopping:
                return job  # the app is closing: nobody is left to see the answer
            self._queue.append(job)
            self._cond.notify_all()
            # Waiting also covers the jobs ahead of it (they finish first). Once a wait has run out, nothing waits
            # again until an answer comes: the database is slow or hung, and every key counts.
            job.waited = wait > 0 and not self._behind
            if job.waited:
                finished_before = self._finished
                # The worker reads `waited` under this same lock: either the job finished in time (no message is
                # posted; the answer is given below) or `waited` is false by the time it finishes (it posts one).
                job.waited = self._cond.wait_for(lambda: job.finished, timeout=wait)
                # Not one job finished while it waited: the database is slow or hung (rather than the worker being
                # a few jobs behind, which it catches up on while the screen waits).
                self._behind = self._finished == finished_before and not job.waited
        self.give_answers()
        return job

    def answers_came(self) -> None:
        """On the UI thread, for each Finished message: give the answers now, or — when answers were given less than
        ANSWERS_EVERY ago, so a backlog is being worked through — a moment later, together (one repaint for many)."""
        if self._answer_timer is not None:
            return
        since = time.monotonic() - self._answered_at
        if since >= ANSWERS_EVERY:
            self.give_answers()
        else:
            self._answer_timer = self.app.set_timer(ANSWERS_EVERY - since, self._timed_answers)

    def _timed_answers(self) -> None:
        self._answer_timer = None
        self.give_answers()

    def give_answers(self) -> None:
        """On the UI thread: give every answer that has come, in submission order (the app calls this for each
        Finished message; submit() for what it waited for). A bug in a job is raised here."""
        self._answered_at = time.monotonic()
        with self._cond:
            self._posted = False  # a job finishing from now on posts a message again
        told: dict[tuple[str, bool], int] = {}  # what answers after a lock say, and how many say it
        while self._outstanding and self._outstanding[0].finished:
            self._give_answer(self._outstanding[0], told)
        for (words, failed), times in told.items():
            # One toast per thing to say, however many scans it was: six identical toasts covered the scan box.
            self.app.notify(plain_text(words if times == 1 else f"{words} (× {times})"),
                            severity="error" if failed else "information", timeout=30, markup=False)

    def _give_answer(self, job: Job[Any], told: dict[tuple[str, bool], int]) -> None:
        """Call the job's `then` or `failed`; or add what its `unattended` says to `told`."""
        job.done = True
        self._outstanding.popleft()
        self._behind = False  # the worker is answering again: the next submit may wait
        error = job.error
        if error is not None and not isinstance(error, DeskError):
            raise error  # a bug in the job: Textual's crash handler takes it from here, as from any handler
        if job.let_go or not self._still_there(job.owner):
            words = job.unattended(error if error is not None else job.value) if job.unattended else None
            if words:
                told[(words, error is not None)] = told.get((words, error is not None), 0) + 1
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
    def _answer_queue_at_once(self, error: StorageFailed) -> None:
        """Under the lock, after a job waited the whole bound for a database that did not answer: every job queued
        behind it (asked for while it waited) is answered now with the same refusal instead of waiting as long
        again in its turn. Six scans into a hung database are all NOT SAVED within the bound, not one every four
        seconds; a job asked for after this answer tries the database afresh."""
        while self._queue:
            queued = self._queue.popleft()
            queued.error = StorageFailed(f"{error.message} (Not tried: the database had not answered the one before.)",
                                         waited=True)
            queued.finished = True
            self._finished += 1

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
                    job.value, job.error, job.finished = value, error, True  # `finished` last: read unlocked
                    self._finished += 1
                    if isinstance(error, StorageFailed) and error.waited:
                        self._answer_queue_at_once(error)
                    # One message at a time is enough: give_answers() gives every answer that has come by then.
                    # (Many answers to one message means one repaint for them, not one each.)
                    post = not job.waited and not self._posted
                    self._posted = self._posted or post
                    self._cond.notify_all()
                if post:
                    try:
                        self.app.post_message(self.Finished())
                    except Exception:  # noqa: BLE001 - the app has gone: nobody is left to tell
                        pass
        finally:
            if self.on_exit is not None:
                self.on_exit()
