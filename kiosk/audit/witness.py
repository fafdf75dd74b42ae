"""A witness outside the database: each desk notes the audit head its own writes left behind.

Someone who can edit the database (but not the desk PC's files) can delete the newest events, set the head
back and put the custody rows back as the remaining events say: the chain that is left still verifies, because
nothing inside the database remembers how far it once reached. The witness remembers. After each committed
write the desk appends one line to a file beside its key file:

    <school> <seq> <chain>

`school` names whose trail it is: a mark derived from the school's key (school_mark), never from the database, so a
trail emptied or rewritten from event 1 is still this school's trail and is checked against every line. (Files
written before carry the first 16 characters of event 1's chain value there instead; those lines are still read.)
`seq` and `chain` are the audit head the write left. `kiosk audit verify` fails if the database no longer holds a
witnessed event, or holds another event under that number: a trail shorter than, or diverging from, what the desk
witnessed is an alarm whatever the database says of itself. On PostgreSQL each desk keeps its own file, and verify
reads them all (`--witness A --witness B`, or the folder the IT technician collected them into).

The witness never stops a hand-in: a file that cannot be written is reported in the log once, and the desk works
on. The database tells the witness of each commit (kiosk/db/commits.py); the database package knows nothing of
witnesses. Nothing here imports textual.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peewee import Database

from kiosk.db.commits import CommittedHead, listen

log = logging.getLogger(__name__)

HISTORY_CHARS = 16


class WitnessUnreadable(Exception):
    """The witness file named for `kiosk audit verify` cannot be read; the message says why."""


def history_of(first_chain: str) -> str:
    """How files from before school marks name a trail: by its event 1."""
    return first_chain[:HISTORY_CHARS]


def school_mark(audit_key: bytes) -> str:
    """The school's name in witness files: derived from its key like the key's fingerprint (and, like it, no use
    to anyone without the key), the same for every desk of the school and every copy of its database."""
    return hmac.new(audit_key, b"witness-school", hashlib.sha256).hexdigest()[:HISTORY_CHARS]


class Witness:
    """One desk process's witness file, appended to after each committed write."""

    def __init__(self, path: Path, school: str | None = None) -> None:
        self.path = Path(path)
        self.school = school  # school_mark(audit key); None: a desk opened without its key names the trail by event 1
        self._fd: int | None = None
        self._lock = threading.Lock()  # Textual workers write from threads: one line at a time
        self._last: tuple[str, int] | None = None
        self._failing: str | None = None
        self._stop_listening: Callable[[], None] | None = None

    def listen_to(self, db: Database) -> None:
        """Hear of every write committed through `db` from now on."""
        self._stop_listening = listen(db, self.saw_commit)

    def saw_commit(self, head: CommittedHead) -> None:
        self.record(self.school or history_of(head.first_chain), head.seq, head.chain)

    def detach(self) -> None:
        """Hear of no more commits, and close the file."""
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        self.close()

    def record(self, history: str, seq: int, chain: str) -> None:
        """Note (seq, chain) once its transaction has committed. Never raises: the change is already saved,
        and a witness that cannot be written must not turn a saved hand-in into an error."""
        if self._last == (history, seq):
            return  # nothing new was written (e.g. a sign-in check that appended no event)
        line = f"{history} {seq} {chain}\n".encode("ascii")
        try:
            with self._lock:
                if self._fd is None:
                    # O_APPEND: a line written with one write() lands whole at the end, even with another
                    # process (a report job, `kiosk close-day`) appending to the same file.
                    self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                os.write(self._fd, line)
                # No fsync: the database's commit is already durable when this line is written, so the witness
                # can never claim more than the database saved; a line lost in a power cut only leaves the
                # witness an action behind (it still pins every earlier line). An fsync per hand-in would
                # double the desk's disk flushes for no gain.
            self._last = (history, seq)
            if self._failing is not None:
                log.warning("the audit witness file %s is being written again", self.path)
                self._failing = None
        except Exception as exc:  # noqa: BLE001 - anything at all: the desk must work on
            self._close_quietly()
            reason = f"{type(exc).__name__}: {exc}"
            if reason != self._failing:  # once per distinct cause, not once per hand-in
                log.warning("could not write the audit witness file %s (%s); the desk carries on, but "
                            "`kiosk audit verify` cannot see events removed from the end until it is fixed",
                            self.path, reason)
                self._failing = reason

    def close(self) -> None:
        with self._lock:
            self._close_quietly()

    def _close_quietly(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None


# ---- which databases have a witness --------------------------------------------------------------------------

_ATTRIBUTE = "kiosk_witness"


def attach(db: Database, path: Path | None, *, school: str | None = None) -> Witness | None:
    """Give a database object (this process's connection to one school) its witness file, or none: from now on
    each write committed through it appends the audit head it left, under `school` (school_mark of its key)."""
    old = attached(db)
    if old is not None:
        old.detach()
    witness = Witness(path, school) if path is not None else None
    if witness is not None:
        witness.listen_to(db)
    setattr(db, _ATTRIBUTE, witness)
    return witness


def attached(db: Database) -> Witness | None:
    witness = getattr(db, _ATTRIBUTE, None)
    return witness if isinstance(witness, Witness) else None


# ---- reading it back ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Witnessed:
    """The newest (seq, chain) a witness file holds for one audit trail (None: it holds none), and what else."""

    seq: int | None
    chain: str | None
    lines: int  # lines for this trail
    other_trails: int  # lines for other databases sharing the key file (the demo school, a test copy)
    unreadable_lines: int  # e.g. a line cut short by a power cut


def newest(path: Path, history: str) -> Witnessed:
    """The newest witnessed head of the trail `history` in the file at `path`."""
    best: tuple[int, str] | None = None
    lines = others = bad = 0
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            for raw in fh:
                parts = raw.split()
                if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 64:
                    bad += 1
                    continue
                if parts[0] != history:
                    others += 1
                    continue
                lines += 1
                seq = int(parts[1])
                if best is None or seq > best[0]:
                    best = (seq, parts[2])
    except OSError as exc:
        raise WitnessUnreadable(f"the witness file {path} cannot be read ({exc.strerror or exc})") from exc
    if best is None:
        return Witnessed(None, None, lines, others, bad)
    return Witnessed(best[0], best[1], lines, others, bad)


def lines_of(path: Path, histories: set[str]) -> tuple[dict[int, str], int]:
    """Every (seq, chain) the file at `path` witnessed for the trail named by any of `histories` (the newest line
    for a seq wins: a seq seen twice with two chains is itself a rewritten trail, and its last line is what the
    desk saw last), and how many lines were for other trails."""
    seen: dict[int, str] = {}
    others = 0
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            for raw in fh:
                parts = raw.split()
                if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 64:
                    continue
                if parts[0] not in histories:
                    others += 1
                    continue
                seen[int(parts[1])] = parts[2]
    except OSError as exc:
        raise WitnessUnreadable(f"the witness file {path} cannot be read ({exc.strerror or exc})") from exc
    return seen, others
