"""The outbox worker on a thread of its own beside the desk: every so often (and when nudged) it sends what is due.

It shares nothing with the desk's worker but the database: its own thread, its own connection, and its writes are
single short transactions (claim, record the answer) with the server's exchange outside any of them, so a relay
that hangs holds this thread, never the desk. A fault in a round ends that round only; the messages stay queued.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.mail.senders import Sender
from kiosk.mail.worker import RenderAttachment, Round, send_due

ROUND_SECONDS = 30.0


class OutboxThread:
    def __init__(self, *, sender: Sender, clock: Clock, settings: Settings, render_attachment: RenderAttachment,
                 audit_key: bytes, every: float = ROUND_SECONDS, on_exit: Callable[[], None] | None = None,
                 on_round: Callable[[Round], None] | None = None) -> None:
        self.sender = sender
        self.clock = clock
        self.settings = settings
        self.render_attachment = render_attachment
        self.audit_key = audit_key
        self.every = every
        self.on_exit = on_exit
        self.on_round = on_round
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def nudge(self) -> None:
        """Look now (after an action that queued a message) rather than at the next round."""
        self._wake.set()

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the thread to end; a round in the middle of an exchange with the server finishes on its own (it is a
        daemon thread, bounded by smtp_timeout_seconds), and what it did not send stays queued."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    done = send_due(sender=self.sender, clock=self.clock, settings=self.settings,
                                    render_attachment=self.render_attachment, audit_key=self.audit_key)
                    if self.on_round is not None:
                        self.on_round(done)
                except Exception:  # noqa: BLE001 - the database away, a bug in a paper: the next round tries again
                    pass  # nothing is written anywhere: an exception here may carry a name or an address
                self._wake.wait(self.every)
                self._wake.clear()
        finally:
            if self.on_exit is not None:
                self.on_exit()
