"""The custody domain: tag codes, scans, hand in, hand back, close of day, and the day's figures."""

from kiosk.custody.context import DeskContext
from kiosk.custody.daily import CloseDayReport, UncollectedPhone, close_day, hand_back, hand_in
from kiosk.custody.errors import BadScan, Conflict, DeskError, NotPermitted, Refused, RetiredTag, UnknownTag
from kiosk.custody.lookup import Resolved, find_pupils, resolve, resolve_pupil, resolve_pupil_tag
from kiosk.custody.receipts import Outcome, PupilSummary, Receipt, Severity
from kiosk.custody.reports import DeskCounts, Mode, day_report, default_mode, desk_counts
from kiosk.custody.scans import RepeatFilter, normalise
from kiosk.custody.states import Kind, State

__all__ = [
    "BadScan", "CloseDayReport", "Conflict", "DeskContext", "DeskCounts", "DeskError", "Kind", "Mode",
    "NotPermitted", "Outcome", "PupilSummary", "Receipt", "Refused", "RepeatFilter", "Resolved", "RetiredTag",
    "Severity", "State", "UncollectedPhone", "UnknownTag", "close_day", "day_report", "default_mode",
    "desk_counts", "find_pupils", "hand_back", "hand_in", "normalise", "resolve", "resolve_pupil", "resolve_pupil_tag",
]
