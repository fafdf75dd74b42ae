"""The JSON 'details' kept with a custody: particulars that vary by kind (exam, parent informed, police)."""

from __future__ import annotations

import json
from typing import Any

from kiosk.db.models import Custody


def read(custody: Custody) -> dict[str, Any]:
    return json.loads(custody.details_json) if custody.details_json else {}


def merged(custody: Custody, **more: Any) -> str:
    details = read(custody)
    details.update({k: v for k, v in more.items() if v is not None})
    return json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)
