"""A reading taken on a thread of its own, so a database server that hangs never freezes the screen.

The desk asks every few seconds (and after anything that may have changed the figures); one thread does the
reading, keeps its own database connection between readings, and hands each answer over with `deliver`, called
on that thread (a screen's post_message is safe to call from there). Asks that arrive while a reading is running
are merged into one more reading after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Reading(Generic[T]):
    number: int  # rises with every ask: a reading never replaces a newer one
    value: T | None
    error: BaseException | None = None  # what `read` raised, if it did (the thread carries on)


class Poller(Generic[T]):
    """Runs `read` on its own thread when asked; `deliver` (thread-safe) gets every reading."""

    def __init__(self, read: Callable[[], T], deliver: Callable[[Reading[T]], None], *, name: str,
                 on_exit: Callable[[], None] | None = None) -> None:
        self.read = read
        self.deliver = deliver
        self.on_exit = on_exit
        self._cond = threading.Condition()
        self._asked = 0  # the number of the latest ask
        self._started = 0  # the ask the running (or last) reading answers
        self._latest: Reading[T] | None = None
        self._running = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._running

    def ask(self, wait: float = 0.0) -> Reading[T] | None:
        """Ask for a fresh reading. When none is running, wait up to `wait` seconds for it and return it (so the
        screen can show it in the same frame); otherwise it arrives later through `deliver`, as it always does."""
        with self._cond:
            if self._stopping:
                return None
            was_running = self._running
            self._asked += 1
            wanted = self._asked
            self._cond.notify_all()
            if was_running or wait <= 0:
                return None  # never wait behind a reading that may be stuck on a hung server
            self._cond.wait_for(lambda: self._latest is not None and self._latest.number >= wanted, timeout=wait)
            latest = self._latest
        return latest if latest is not None and latest.number >= wanted else None

    def stop(self) -> None:
        """The thread finishes its reading (if any), closes what on_exit closes, and ends. Never waits."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def _run(self) -> None:
        try:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._stopping or self._asked > self._started)
                    if self._stopping:
                        return
                    number = self._started = self._asked
                    self._running = True
                try:
                    reading: Reading[T] = Reading(number, self.read())
                except Exception as exc:  # noqa: BLE001 - reported to the screen; the thread must live on
                    reading = Reading(number, None, exc)
                with self._cond:
                    self._running = False
                    self._latest = reading
                    self._cond.notify_all()
                    if self._stopping:
                        return
                try:
                    self.deliver(reading)
                except Exception:  # noqa: BLE001 - the screen has gone (the app is closing)
                    return
        finally:
            if self.on_exit is not None:
                self.on_exit()
