"""The desk errors, re-exported where the custody domain's callers expect them."""

from kiosk.errors import BadScan, Conflict, DeskError, NotPermitted, Refused, RetiredTag, UnknownTag

__all__ = ["BadScan", "Conflict", "DeskError", "NotPermitted", "Refused", "RetiredTag", "UnknownTag"]
