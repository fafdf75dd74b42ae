"""The append-only, HMAC-chained audit log and its verifier."""

from kiosk.audit.log import append_event
from kiosk.audit.verify import VerifyReport, verify

__all__ = ["VerifyReport", "append_event", "verify"]
