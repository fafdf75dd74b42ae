"""What a mail server's refusal means for a message: try again later, or never."""

from __future__ import annotations

from kiosk.errors import DeskError


class MailNotSent(DeskError):
    """The server did not take a message. `answer` is its reply (or why none came); `permanent` when trying again
    cannot help (a 5xx for this message); `connection_lost` when no later message can go in this round either."""

    def __init__(self, message: str, *, answer: str, permanent: bool = False, connection_lost: bool = False) -> None:
        super().__init__(message)
        self.answer = answer
        self.permanent = permanent
        self.connection_lost = connection_lost
