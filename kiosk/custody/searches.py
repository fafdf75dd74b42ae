"""Search records (DfE 'Searching, screening and confiscation'): every search of a device, even when
nothing was found, with who searched, who authorised it, and who was told."""

from __future__ import annotations

from kiosk.audit import append_event
from kiosk.audit import rows as sealing
from kiosk.auth.roles import Permission
from kiosk.clock import to_db
from kiosk.custody.context import DeskContext
from kiosk.custody.errors import DeskError
from kiosk.db.connection import write_transaction
from kiosk.db.models import Search, database_proxy
from kiosk.privacy import at_rest


def record_search(
    ctx: DeskContext, *, pupil_id: int, searched_by_name: str, authorised_by_name: str, grounds: str, found: str,
    dsl_informed: bool, parent_informed: bool, custody_id: int | None = None,
) -> Search:
    ctx.require(Permission.RECORD_SEARCH, pupil=pupil_id)
    missing = [label for label, value in (("who searched", searched_by_name), ("who authorised it",
                                                                               authorised_by_name),
                                          ("the grounds", grounds)) if not value.strip()]
    if missing:
        raise DeskError(f"Record {', '.join(missing)}.")
    nothing = not found.strip() or found.strip().lower() in ("nothing", "nothing found", "none")
    with write_transaction(database_proxy.obj):
        row = Search.create(pupil=pupil_id, custody=custody_id, at=to_db(ctx.clock.now()), desk=ctx.desk,
                            recorded_by=ctx.who.staff_id, searched_by_name=searched_by_name.strip(),
                            authorised_by_name=authorised_by_name.strip(), grounds="", found="",
                            nothing_found=nothing, dsl_informed=dsl_informed, parent_informed=parent_informed)
        # The grounds and findings are safeguarding text: encrypted at rest (kiosk/privacy/at_rest.py).
        at_rest.protect(row, key=ctx.keyring.notes_key, grounds=grounds.strip(),
                        found=found.strip() or "nothing found")
        sealed = sealing.reseal(ctx.keyring.audit_key, Search, row.id)  # as stored: encrypted
        append_event(key=ctx.keyring.audit_key, at=ctx.clock.now(), desk=ctx.desk, staff=ctx.who.staff_id,
                     action="SEARCH_RECORDED", pupil=pupil_id, rows=[sealed],
                     payload={"search_id": row.id, "nothing_found": nothing, "dsl_informed": dsl_informed,
                              "parent_informed": parent_informed, "custody_id": custody_id})
    return row
