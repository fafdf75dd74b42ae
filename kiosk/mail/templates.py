"""The words of each message: a text file per template in kiosk/mail/templates/, which the school may override with
its own copy in the config folder (mail-templates/NAME.txt), e.g. to add its collection times.

A template's first line is `Subject: …`, then a blank line, then the body; `$name` places a value (school_name,
school_phone, reference, pupil_name…). A placeholder the kiosk does not know is left as written: an admin's typo
shows in the message rather than stopping the action that queued it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template

BUILT_IN = Path(__file__).resolve().parent / "templates"
OVERRIDE_FOLDER = "mail-templates"
TEMPLATES = ("confiscation-notice", "ready-to-collect", "hold-placed", "repeat-confiscation", "release-receipt",
             "left-overnight", "review-pack", "weekly-summary")


@dataclass(frozen=True)
class Filled:
    subject: str
    body: str


def _text(name: str, config_folder: Path | None) -> str:
    if name not in TEMPLATES:
        raise ValueError(f"no message template called {name!r}")
    if config_folder is not None:
        override = config_folder / OVERRIDE_FOLDER / f"{name}.txt"
        try:
            if override.is_file():
                return override.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass  # an unreadable copy: the kiosk's own words rather than no message
    return (BUILT_IN / f"{name}.txt").read_text(encoding="utf-8")


def fill(name: str, values: dict[str, str], *, config_folder: Path | None = None) -> Filled:
    text = _text(name, config_folder).replace("\r\n", "\n")
    first, _, rest = text.partition("\n")
    if first.lower().startswith("subject:"):
        subject, body = first.partition(":")[2].strip(), rest.lstrip("\n")
    else:  # an override without a subject line: the body alone, under the kiosk's own subject
        subject, body = _text(name, None).partition("\n")[0].partition(":")[2].strip(), text
    # One line, so a value (a name from the MIS) can never add a header.
    subject = " ".join(Template(subject).safe_substitute(values).split())
    return Filled(subject=subject, body=Template(body).safe_substitute(values).rstrip() + "\n")
