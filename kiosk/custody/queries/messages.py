"""What the Outbox screen and the release screen read: the messages to carers and staff, and what was sent about one
phone (to whom, when, and what the server said)."""

from __future__ import annotations

from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody
from kiosk.db.rows import tuples
from kiosk.mail.outbox import OutboxLine, listing

TEMPLATE_WORDS = {"confiscation-notice": "confiscation notice", "hold-placed": "hold placed (DSL)",
                  "ready-to-collect": "ready to collect", "repeat-confiscation": "repeat confiscation (head of year)",
                  "release-receipt": "release receipt", "left-overnight": "left overnight",
                  "review-pack": "review pack (head)", "weekly-summary": "weekly summary (head)"}


@storage_guard
def outbox_messages(*, failed_only: bool = False, custody_id: int | None = None) -> tuple[OutboxLine, ...]:
    """The newest 200 messages (or the failed ones, or one phone's), newest first."""
    return tuple(listing(states=("failed",) if failed_only else (), custody_id=custody_id))


@storage_guard
def messages_about_pupil(*, pupil_id: int) -> dict[int, tuple[OutboxLine, ...]]:
    """For the pupil page: per phone record of this pupil (custody id), what was sent about it, to whom and when,
    newest first; records with no message are left out."""
    ids = [int(c) for (c,) in tuples(Custody.select(Custody.id).where(Custody.pupil == pupil_id))]
    found: dict[int, list[OutboxLine]] = {}
    for line in listing(custody_ids=tuple(ids), limit=500) if ids else []:
        if line.custody_id is not None:
            found.setdefault(line.custody_id, []).append(line)
    return {custody_id: tuple(lines) for custody_id, lines in found.items()}


def template_words(template: str) -> str:
    return TEMPLATE_WORDS.get(template, template)
