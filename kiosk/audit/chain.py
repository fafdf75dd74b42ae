"""The HMAC chain: how one event is sealed to the one before it."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def canonical_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def payload_digest(payload_json: str) -> str:
    return hashlib.sha256(payload_json.encode("utf-8")).hexdigest()


def seal(
    key: bytes,
    prev_chain: str,
    *,
    seq: int,
    at: datetime,
    desk: str,
    staff_id: int | None,
    action: str,
    pupil_id: int | None,
    tag_id: int | None,
    custody_id: int | None,
    custody_state: str | None,
    payload_hash: str,
    row_seals: str | None = None,
    session: str | None = None,
) -> str:
    # Every column but the payload itself is sealed directly, so erasing a payload for retention
    # (keeping its hash) leaves the chain verifiable.
    fields = [
        prev_chain, str(seq), at.strftime("%Y-%m-%dT%H:%M:%S.%f"), desk, _n(staff_id), action,
        _n(pupil_id), _n(tag_id), _n(custody_id), custody_state or "", payload_hash,
    ]
    if row_seals or session:  # events from before row seals (schema v4) have none, and keep the chain they had
        fields.append(row_seals or "")
    if session:  # nor have events from before session ids (schema 13): one with a session always has both fields
        fields.append(session)
    message = "\x1f".join(fields).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _n(value: int | None) -> str:
    return "" if value is None else str(value)
