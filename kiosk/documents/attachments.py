"""The papers an email may carry, made again at sending time from the facts queued with the message."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import date, datetime

from kiosk.config import Settings
from kiosk.custody.confiscation import ConfiscationReceipt, LadderPosition
from kiosk.custody.notices import reference
from kiosk.custody.receipts import PupilSummary
from kiosk.custody.reprints import release_receipt_of
from kiosk.documents.custody_papers import parent_notice, release_receipt
from kiosk.mail.compose import Attached

# The attachment kind of a paper queued whole with its message: {"filename", "pdf" (base64)}.
PAPER = "paper"


def attachment_for(kind: str | None, facts_json: str | None, settings: Settings) -> Attached | None:
    """The paper `kind` (e.g. "parent-notice") for one queued message, or None when it carries none."""
    if kind is None:
        return None
    if kind == "release-receipt" and facts_json:
        # The receipt as the record stands (as a reprint makes it, unmarked): the collector's copy, without the
        # court-order or access notes a DSL read at the desk (those are never for an email).
        custody_id = int(json.loads(facts_json)["custody_id"])
        copy = replace(release_receipt_of(custody_id=custody_id), access_notes=None)
        return Attached(filename=f"phone-release-receipt-{reference(custody_id)}.pdf",
                        data=release_receipt(copy, settings))
    if kind == PAPER and facts_json:  # a paper queued whole (the review pack to the head): sent as it was made
        paper = json.loads(facts_json)
        return Attached(filename=paper["filename"], data=base64.b64decode(paper["pdf"]))
    if kind != "parent-notice" or not facts_json:
        raise ValueError(f"no paper {kind!r} can be attached")
    facts = json.loads(facts_json)
    # Only what the notice prints is queued: the receipt's other fields are not on the paper.
    receipt = ConfiscationReceipt(
        custody_id=int(facts["custody_id"]),
        pupil=PupilSummary(id=0, mis_id="", name=facts["pupil_name"], legal_name=facts["pupil_name"],
                           form=facts["form"], year=None, active=True),
        tag_code="", slot=None, seal_number=facts["seal_number"], reason_category=facts["reason_category"],
        held_until=date.fromisoformat(facts["held_until"]),
        ladder=LadderPosition(count_this_term=int(facts["count_this_term"]), rule=facts["rule"],
                              hold_school_days=0, previous=()),
        converted_from_daily=False, at=datetime.fromisoformat(facts["at"]))
    return Attached(filename=f"phone-notice-{reference(receipt.custody_id)}.pdf", data=parent_notice(receipt, settings))
