"""The one family of errors the domain raises; every message is fit to show at the desk as it is."""


class DeskError(Exception):
    """Something the person at the desk needs to know and act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadScan(DeskError):
    """The scan could not be read as a tag, an admission number or a name."""


class UnknownTag(DeskError):
    """A well-formed code that belongs to no pupil."""


class RetiredTag(DeskError):
    """A tag that was reported lost or replaced."""


class Refused(DeskError):
    """The action is not allowed for this phone (e.g. a confiscated phone at hand-back)."""


class NotPermitted(DeskError):
    """The signed-in member of staff's role does not allow this."""


class Conflict(DeskError):
    """Another desk changed this phone at the same moment; the message says what it is now."""


class StorageFailed(DeskError):
    """The database could not record the action: nothing was saved, and the message says why.

    `waited`: the database was waited for to the bound and did not answer (busy, locked by another program, or a
    server that stopped answering), so whatever is queued behind this action would only wait as long again."""

    def __init__(self, message: str, *, waited: bool = False) -> None:
        super().__init__(message)
        self.waited = waited
