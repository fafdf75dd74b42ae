"""How a print job that ended is told at the desk: its outcome in the desk's words, and a toast when the screen
that started it has gone (the Labels screen and the Print jobs view share it; screens never import each other)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import App

from kiosk.text import plain_text


@dataclass(frozen=True)
class JobOutcome:
    severity: str  # "ok", "warning", "refused" (MessageLine's words)
    text: str
    retry: Any = None  # what Retry does, when it can help (the Labels screen's LabelsJob)


def notify_outcome(app: App[Any], outcome: JobOutcome) -> None:
    """A job that finished after the office left the Labels screen: a toast on the desk, none when locked."""
    if getattr(app, "who", None) is None:
        return
    icon = {"ok": "✔", "warning": "⚠", "refused": "✖"}[outcome.severity]
    severity = {"ok": "information", "warning": "warning"}.get(outcome.severity, "error")
    app.notify(plain_text(f"{icon} {outcome.text}"), title="Tags & labels", severity=severity, timeout=15, markup=False)  # type: ignore[arg-type]
