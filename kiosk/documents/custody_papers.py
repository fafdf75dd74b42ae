"""The papers a confiscation produces: the notice for parents, the release receipt, the police receipt (the custody
chain paper and the parts every paper shares, the reference, the phone's particulars, the chain: chain_paper.py)."""

from __future__ import annotations

from datetime import datetime

from kiosk.auth.roles import Permission
from kiosk.config import Settings
from kiosk.custody import details as custody_details
from kiosk.custody.confiscation import ConfiscationReceipt
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError
from kiosk.custody.phone import AS_WHEN_CONFISCATED
from kiosk.custody.queries.chain import custody_chain
from kiosk.custody.release import ConfiscationFacts, ReleaseReceipt
from kiosk.custody.reprints import Reprint, parent_notice_of, record_reprint, release_receipt_of
from kiosk.db.connection import storage_guard
from kiosk.db.models import Custody, Pupil
from kiosk.documents.chain_paper import chain_table, custody_chain_paper, phone_rows, reference_line
from kiosk.documents.chain_paper import reprint_line as _reprint_line
from kiosk.documents.chain_paper import title as _title
from kiosk.documents.chain_paper import when as _when
from kiosk.documents.pdf import Document
from kiosk.formatting import long_day


def parent_notice(receipt: ConfiscationReceipt, settings: Settings, *, collection_hours: str = "3.15pm–4.30pm",
                  reprint: Reprint | None = None) -> bytes:
    """For parents and carers (print or email): what was confiscated, why, when and how to collect it."""
    held = long_day(receipt.held_until)
    doc = Document(_title("Notice: a mobile phone has been confiscated", reprint), settings.school_name)
    reference_line(doc, receipt.custody_id, settings)
    _reprint_line(doc, reprint, settings)
    doc.para(f"Dear parent or carer of {receipt.pupil.name} ({receipt.pupil.form}),")
    doc.para("Under the school's Mobile and Smart Technology Policy, pupils' phones are handed in at the office at "
             "the start of the day and must not be used on site. Your child's phone was confiscated and is held "
             "securely in the school office. The school keeps it safe until it is collected.")
    doc.heading("What happened")
    doc.facts([("When", _when(receipt.at, settings)), ("Reason", receipt.reason_category.capitalize()),
               ("Sealed in bag", receipt.seal_number),
               ("Confiscations this term", f"{receipt.ladder.count_this_term}"),
               ("What happens now", receipt.ladder.rule)])
    doc.heading("The phone, as it was when it was taken")
    doc.facts(phone_rows(receipt.phone, receipt.condition))
    doc.heading("How to collect it")
    doc.para(f"A parent or carer on the school's contact list may collect the phone from the school office from "
             f"{held}, between {collection_hours}. Please bring photo identification. If someone else needs to "
             "collect it, contact the office first: the headteacher or designated safeguarding lead must agree.")
    doc.para("If you have questions about the policy, please contact the school office.")
    return doc.render()


def _pr_words(receipt: ReleaseReceipt) -> str:
    if receipt.parental_responsibility is None:
        return "not known: not on the MIS contact list"
    if receipt.parental_responsibility:
        return "yes (MIS contact list)"
    return "no (MIS contact list); the member of staff saw the warning and released it to them"


def _collection_rows(receipt: ReleaseReceipt) -> list[tuple[str, str]]:
    """What the MIS says of the collector collecting (issue 16), and the court-order or access notes in full."""
    if receipt.must_not_collect_released_by:
        words = (f"NO: the MIS says they MUST NOT COLLECT. Released by the DSL, "
                 f"{receipt.must_not_collect_released_by}, who read the note below")
    elif receipt.may_collect:
        words = "yes (MIS contact list)"
    elif receipt.on_contact_list:
        words = "not recorded in the MIS"
    else:
        words = "not known: not on the MIS contact list"
    rows = [("May collect the pupil", words)]
    if receipt.access_notes:
        rows.append(("Court order / access notes", receipt.access_notes))
    return rows


def _confiscation_rows(confiscated: ConfiscationFacts | None, settings: Settings) -> list[tuple[str, str]]:
    """When, why, where and by whom it was confiscated, and its condition then, as recorded at the time."""
    if confiscated is None:
        return []
    where = f" in {confiscated.location}" if confiscated.location else ""
    return [
        ("Confiscated at", _when(confiscated.at, settings) if confiscated.at else "not recorded"),
        ("Confiscated by", f"{confiscated.by or 'not recorded'}{where}"),
        ("Reason", (confiscated.reason_category or "not recorded").capitalize()),
        *phone_rows(confiscated.phone, confiscated.condition),
    ]


def release_receipt(receipt: ReleaseReceipt, settings: Settings, *, reprint: Reprint | None = None) -> bytes:
    """For the collector and the file: who took the phone, on what authority, and what was recorded of it."""
    doc = Document(_title("Receipt: confiscated phone released", reprint), settings.school_name)
    reference_line(doc, receipt.custody_id, settings)
    _reprint_line(doc, reprint, settings)
    doc.facts([
        ("Pupil", f"{receipt.pupil.name} ({receipt.pupil.form}, admission no. {receipt.pupil.mis_id})"),
        ("Collected by", f"{receipt.collector_name} ({receipt.relationship})"),
        ("On the MIS contact list", "yes" if receipt.on_contact_list else "no"),
        ("Parental responsibility", _pr_words(receipt)),
        *_collection_rows(receipt),
        ("Identification seen", receipt.id_seen),
        ("Early release", f"yes: {receipt.early_release}" if receipt.early_release else "no"),
        ("Authorised by", receipt.authorised_by or "not needed"),
        *([("Reason for authorising", receipt.authorisation_reason)] if receipt.authorisation_reason else []),
        ("Released by", receipt.released_by),
        ("Released at", _when(receipt.at, settings)),
        ("Bag / seal number", receipt.seal_number or ""),
        *_confiscation_rows(receipt.confiscated, settings),
        # Both, side by side: a parent disputing a scratched screen signs for the second.
        ("Condition at return", receipt.condition_at_return or AS_WHEN_CONFISCATED),
        ("Audit record", f"event {receipt.event_seq}, chain {receipt.chain_head[:16]}…"),
    ])
    doc.signature_lines("collector", "member of staff")
    return doc.render()


@storage_guard  # it reads the record: a failure is NOT READ, which the holds screen shows
def police_receipt(custody_id: int, settings: Settings, *, reprint: Reprint | None = None) -> bytes:
    custody = Custody.get_by_id(custody_id)
    pupil = Pupil.get_by_id(custody.pupil_id)
    police = custody_details.read(custody).get("police", {})
    doc = Document(_title("Evidence handover: device given to the police", reprint), settings.school_name)
    reference_line(doc, custody_id, settings)
    _reprint_line(doc, reprint, settings)
    doc.facts([
        ("Pupil", f"{pupil.display_name} ({pupil.form}, admission no. {pupil.mis_id})"),
        ("Officer", f"{police.get('officer_name', '')} (no. {police.get('officer_number', '')})"),
        ("Force", police.get("force", "")),
        ("Crime reference", police.get("crime_reference", "")),
        ("Evidence seal number", police.get("seal_number", "")),
        ("School bag / seal number", custody.seal_number or ""),
        *_confiscation_rows(ConfiscationFacts.of(custody), settings),
        ("Handed over by", police.get("by", "")),
        ("Handed over at", _when(datetime.fromisoformat(police["handed_over_at"]), settings)
         if police.get("handed_over_at") else ""),
    ])
    # Only what the school recorded and did: the condition above is as found (it may have been switched on); the
    # school sealed it and kept it, and no one at the school switched it on or examined it (the kiosk records none).
    doc.space(3)
    chain = custody_chain(custody_id=custody_id)
    school_seals = [seal for seal in (chain.seals if chain else ()) if seal != police.get("seal_number")] \
        or [custody.seal_number or "(no seal recorded)"]
    resealed = f"; resealed in bag {' then '.join(school_seals[1:])}" if len(school_seals) > 1 else ""
    doc.para(f"Sealed in bag {school_seals[0]} at confiscation{resealed} and kept at the school (every handover "
             "below); not switched on by the school since, and no examination of its contents is recorded.")
    if chain is not None:  # the officer signs for the last link of a chain they can read whole
        doc.heading("Chain of custody at the school")
        chain_table(doc, chain, settings)
    doc.signature_lines("police officer", "designated safeguarding lead")
    return doc.render()


def reprinted_paper(ctx: DeskContext, *, custody_id: int, paper: str) -> bytes:
    """A paper made again from the record (from the pupil page), marked REPRINT, the reprint audited. The paper is
    made first: a record that cannot make one (not released; no such paper) records no reprint."""
    made = Reprint(paper=paper, at=ctx.clock.now(), by=ctx.who.name)
    if paper == "release-receipt":
        ctx.require(Permission.RELEASE, custody=custody_id)
        data = release_receipt(release_receipt_of(custody_id=custody_id), ctx.settings, reprint=made)
    elif paper == "police-receipt":
        ctx.require(Permission.HAND_TO_POLICE, custody=custody_id)
        data = police_receipt(custody_id, ctx.settings, reprint=made)
    elif paper == "parent-notice":
        data = parent_notice(parent_notice_of(ctx, custody_id=custody_id), ctx.settings, reprint=made)
    elif paper == "custody-chain":
        chain = custody_chain(custody_id=custody_id)
        if chain is None:
            raise DeskError("Only a confiscated phone has a custody chain paper.")
        data = custody_chain_paper(chain, ctx.settings, reprint=made)
    else:
        raise DeskError(f"There is no paper called {paper!r} to reprint.")
    record_reprint(ctx, custody_id=custody_id, paper=paper)
    return data
