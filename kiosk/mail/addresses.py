"""Whether a typed email address is one the kiosk will write to: one plain address, nothing a header could hide in."""

from __future__ import annotations

import re

from kiosk.errors import DeskError

# Deliberately plain: local@domain.tld, no display name, no spaces, no second address. An address the office typed
# wrong is better refused at the desk than queued and bounced (or, with a comma, sent to two people).
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


class NotAnAddress(DeskError):
    """A typed email address the kiosk will not write to."""


def checked_address(text: str | None) -> str:
    """The address as it will be written to (trimmed), or NotAnAddress saying what is wrong."""
    address = (text or "").strip()
    if not address:
        raise NotAnAddress("Type an email address, e.g. name@example.org.")
    if len(address) > 254 or not _ADDRESS.match(address) or ".." in address:
        raise NotAnAddress(f"{address!r} is not an email address the kiosk can write to: type one address, "
                           "e.g. name@example.org.")
    return address


def is_address(text: str | None) -> bool:
    try:
        checked_address(text)
    except NotAnAddress:
        return False
    return True
