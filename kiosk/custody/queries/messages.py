"""What the Outbox screen and the release screen read: the messages to carers and staff, and what was sent about one
phone (to whom, when, and what the server said)."""

from __future__ import annotations

from kiosk.db.connection import storage_guard
from kiosk.mail.outbox import OutboxLine, listing

TEMPLATE_WORDS = {"confiscation-notice": "confiscation notice", "hold-placed": "hold placed (DSL)",
                  "ready-to-collect": "ready to collect", "review-pack": "review pack (head)",
                  "weekly-summary": "weekly summary (head)"}


@storage_guard
def outbox_messages(*, failed_only: bool = False, custody_id: int | None = None) -> tuple[OutboxLine, ...]:
    """The newest 200 messages (or the failed ones, or one phone's), newest first."""
    return tuple(listing(states=("failed",) if failed_only else (), custody_id=custody_id))


def template_words(template: str) -> str:
    return TEMPLATE_WORDS.get(template, template)
