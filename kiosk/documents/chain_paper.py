"""The custody-chain paper for one confiscated phone (issue 16), and the parts every custody paper shares: the
reference and the school's telephone number, the phone's particulars, and the chain of links as a table. What a
police property officer or a parent disputing a scratched screen would ask for: every handover, who signed for it,
every bag the phone was sealed in, and the phone as it was taken and as it was returned."""

from __future__ import annotations

from datetime import datetime

from reportlab.platypus import KeepTogether

from kiosk.clock import local
from kiosk.config import Settings
from kiosk.custody.phone import PhoneParticulars
from kiosk.custody.queries.chain import CustodyChain
from kiosk.custody.reprints import Reprint
from kiosk.documents.pdf import Document
from kiosk.formatting import custody_reference, long_date_time, short_date_time


def when(value: datetime, settings: Settings) -> str:
    return long_date_time(local(value, settings.tz))


def reference_line(doc: Document, custody_id: int, settings: Settings) -> None:
    """Under the title of every custody paper: the record's reference and the office's telephone number."""
    phone = f"School office telephone {settings.school_phone}" if settings.school_phone \
        else "Ask the school office"
    doc.para(f"Ref {custody_reference(custody_id)} · {phone} (quote the reference).")


def title(text: str, reprint: Reprint | None) -> str:
    return f"REPRINT · {text}" if reprint else text


def reprint_line(doc: Document, reprint: Reprint | None, settings: Settings) -> None:
    if reprint is not None:
        doc.para(f"REPRINT made {when(reprint.at, settings)} by {reprint.by}, from the kiosk's record; the "
                 "reprint is recorded in the audit trail. The original was given at the time.")


def phone_rows(phone: PhoneParticulars | None, condition: str | None) -> list[tuple[str, str]]:
    """The phone as recorded at confiscation, every field named ("not recorded" where nobody wrote it down)."""
    return [*(phone or PhoneParticulars()).rows(), ("Condition when confiscated", condition or "not recorded")]


def chain_table(doc: Document, chain: CustodyChain, settings: Settings) -> None:
    """Every link, oldest first, one block each (a table's narrow columns broke names over lines): when, from → to,
    released by, received by, seal (old → new when resealed), and the audit event that records it."""
    for number, link in enumerate(chain.links, start=1):
        seal = (f"{link.old_seal} → {link.seal} (resealed)" if link.old_seal and link.old_seal != link.seal
                else link.seal or "—")
        doc.facts([(f"Link {number}", f"{short_date_time(local(link.at, settings.tz))} · "
                                      f"{link.from_place} → {link.to_place}"),
                   ("Released by", link.released_by), ("Received by", link.received_by),
                   ("Seal", f"{seal} · audit event {link.event_seq}"),
                   *([("Note", link.note)] if link.note else [])], label_mm=45)
        doc.space(1)


def custody_chain_paper(chain: CustodyChain, settings: Settings, *, reprint: Reprint | None = None) -> bytes:
    """One phone's chain of custody, with its particulars, seal history and lines to sign."""
    doc = Document(title("Chain of custody: confiscated phone", reprint), settings.school_name)
    reference_line(doc, chain.custody_id, settings)
    reprint_line(doc, reprint, settings)
    pupil = chain.pupil
    doc.facts([
        ("Pupil", f"{pupil.name} ({pupil.form}, admission no. {pupil.mis_id})"),
        ("Confiscated at", when(chain.confiscated_at, settings) if chain.confiscated_at else "not recorded"),
        ("Where it is now", chain.place_now or "no longer held by the school"),
        ("Bag / seal now", chain.seal_now or "—"),
        ("Seal history", " → ".join(chain.seals) or "—"),
    ])
    doc.heading("The phone")
    doc.facts([*phone_rows(chain.phone, chain.condition),
               ("Condition at return", chain.condition_at_return or "not returned (yet)")], label_mm=55)
    doc.heading(f"Every handover ({len(chain.links)})")
    doc.para("Each handover is a sealed event in the kiosk's audit trail (kiosk audit verify checks it).", size=8)
    chain_table(doc, chain, settings)
    # The signatures stay together and with the sentence they sign: never alone, or split, on a page of their own.
    start = len(doc.blocks)
    doc.space(4)
    doc.para(f"Ref {custody_reference(chain.custody_id)}: the phone, its bag and the seal number were checked "
             "against this chain when it was handed over.")
    doc.signature_lines("member of staff", "receiving person")
    doc.blocks[start:] = [KeepTogether(doc.blocks[start:])]
    return doc.render()
