"""Settings for one desk: defaults, then the TOML file, then environment, then command-line flags.

Every field documents itself; `kiosk config` prints them. Paths come from platformdirs so the kiosk
behaves like any other program on the office PC.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field, fields
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import platformdirs

APP_NAME = "phone-custody-kiosk"
# The themes a desk may open in (kiosk.toml `theme`): the kiosk's high-contrast one, then Textual's own (the same
# the command palette's "Change theme" offers; tests/test_scan_routes.py fails if the two lists part).
THEMES = ("textual-dark", "textual-light", "kiosk-high-contrast", "nord", "gruvbox", "catppuccin-mocha", "dracula",
          "tokyo-night", "monokai", "flexoki", "catppuccin-latte", "catppuccin-frappe", "catppuccin-macchiato",
          "solarized-light", "solarized-dark", "rose-pine", "rose-pine-moon", "rose-pine-dawn", "atom-one-dark",
          "atom-one-light", "ansi-dark", "ansi-light")


class ConfigError(Exception):
    """A settings file or value the kiosk cannot use; the message says which and how to fix it."""


def _doc(text: str, default: Any) -> Any:
    return field(default=default, metadata={"doc": text})


@dataclass(frozen=True)
class Settings:
    school_name: str = _doc("The school's name, shown in the title bar and on labels.", "City School")
    school_phone: str = _doc("The school office's telephone number, printed on every custody paper (receipts, the "
                             "notice for parents, the custody chain) and given in every message to carers, so a "
                             "parent or officer can ring about it.", "")
    desk: str = _doc("This desk's name, recorded on every action (e.g. 'Reception 1').", "Reception")
    desks: tuple[str, ...] = _doc("The school's desks a browser session (kiosk serve) may be, e.g. ['Reception', "
                                  "'Student Services']: each session chooses one first. Empty: `desk` alone.", ())
    timezone: str = _doc("The school's local time zone; times are stored in UTC and shown in this.",
                         "Europe/London")
    hand_back_from: str = _doc("Local time (HH:MM) from which the desk is in HAND BACK mode: it opens so after this "
                               "time and switches at it while someone is signed in (a mode then chosen by hand "
                               "stands for the rest of the day).", "14:30")
    lock_notice: str = _doc("A line shown on the lock screen, e.g. 'Locked out? Ask the office manager.'", "")
    bell_on_refusal: bool = _doc("Ring the terminal bell when a scan is refused, so staff need not look.", False)
    theme: str = _doc("How the desk looks when it starts: 'textual-dark', 'textual-light', 'kiosk-high-contrast' "
                      "(white on black, yellow keys: for low vision) or another of Textual's themes. The palette's "
                      "'Change theme' changes it until the kiosk is closed.", "textual-dark")
    idle_lock_seconds: int = _doc("Lock the desk after this many seconds without a key press.", 120)
    repeat_scan_seconds: float = _doc("Ignore the same code scanned again at this desk within this time.", 2.0)
    accept_admission_numbers: bool = _doc("Accept a school ID card (admission number) as the pupil's tag.",
                                          True)
    slot_scheme: str = _doc("How slots are named: 'form' (9C-14), 'year' (Y9-014) or 'single' (0042).",
                            "form")
    confiscation_reasons: tuple[str, ...] = _doc(
        "The reason categories offered when a phone is confiscated.",
        ("used in lesson", "used on site", "found during an exam", "other breach"))
    exam_centre_number: str = _doc("The school's exam centre number (JCQ, 5 digits), filled in on the confiscation "
                                   "form's exam part and printed on the exam board's report.", "")
    escalation: tuple[dict[str, Any], ...] = _doc(
        "The escalation ladder: from the Nth confiscation this term, the rule and how many school days the "
        "phone is held (0: a parent or carer may collect it after school that day); 'parent_meeting = true': a "
        "meeting with a parent or carer is recorded (when, who attended, outcome) before the phone is released.",
        ({"from": 1, "rule": "A parent or carer collects it after school", "hold_school_days": 0},
         {"from": 2, "rule": "A parent or carer collects it; held until the next school day",
          "hold_school_days": 1},
         # Its words are made from its figure (kiosk/custody/terms.py ladder_words): "Held for 5 school days", never
         # "the end of the school week" (from a Thursday that is 2 days, not 5).
         {"from": 3, "rule": "Held for 5 school days; a parent meeting before it is released",
          "hold_school_days": 5, "parent_meeting": True}))
    terms: tuple[tuple[str, str], ...] = _doc(
        "Term dates (first day, last day), for 'this term' counts and school-day holds.",
        (("2026-09-02", "2026-10-23"), ("2026-11-02", "2026-12-18"), ("2027-01-05", "2027-02-12"),
         ("2027-02-22", "2027-03-26"), ("2027-04-12", "2027-05-28"), ("2027-06-07", "2027-07-21")))
    hold_ageing_days: int = _doc("Flag a confiscated phone held longer than this many days.", 5)
    label_layout: str = _doc("Tag label layout: brother-62x29, brother-62, dymo-99010, dymo-99012, a4-21, a4-24.",
                             "brother-62x29")
    bag_label_layout: str = _doc("Layout for the bag label printed when a phone is confiscated.", "brother-62x29")
    label_printer_kind: str = _doc("How labels print: 'cups' (a printer queue), 'brother' (a Brother QL directly) "
                                   "'file' (save a PDF/PNG) or 'windows' (a Windows printer, by its driver).", "file")
    label_printer: str = _doc("The CUPS queue name, the Brother's /dev/usb/lp0 or tcp://HOST:9100, a file path, or a "
                              "Windows printer's name ('default': the PC's default printer). "
                              "Empty with 'file': one file per print job in the data directory's labels folder.", "")
    label_media: str = _doc("Override the CUPS media option (lp -o media=…); empty uses the layout's own.", "")
    brother_model: str = _doc("Brother QL model, for raster printing (e.g. QL-800, QL-820NWB).", "QL-800")
    retain_daily_weeks: int = _doc("Keep daily hand-in/hand-back records this many weeks, then erase them.", 8)
    retain_confiscation_years: int = _doc("Keep confiscation and search records this many years after closing.", 3)
    retain_sign_in_weeks: int = _doc("Keep sign-in records (who signed in, failures, locks) this many weeks.", 13)
    retain_leaver_years: int = _doc("Remove a leaver's name and contacts this many years after leaving, once "
                                    "none of their records is still kept.", 1)
    database: str = _doc("SQLite file path or postgresql:// URL. Empty: kiosk.db in the data directory.", "")
    key_file: str = _doc("Secret key file (PIN pepper, audit chain). Empty: kiosk.key in the config dir.", "")
    serve_certificate: str = _doc("HTTPS certificate (PEM) for `kiosk serve` when --cert is not given; `kiosk doctor` "
                                  "checks its expiry.", "")
    serve_key: str = _doc("The private key of serve_certificate (PEM), kept private to the kiosk's account.", "")
    backup_folder: str = _doc("Where `kiosk backup` writes when no file is named, and where `kiosk doctor` looks for "
                              "the newest backup. Empty: the data directory's backups folder.", "")
    witness_file: str = _doc("Audit witness file: after each save this desk appends the audit head to it, so "
                             "`kiosk audit verify` notices events removed from the end. Empty: kiosk.witness "
                             "beside the key file; 'off': none.", "")
    # Messages to carers and staff (issue 18, kiosk/mail/). Off until the school chooses how it sends.
    mail_via: str = _doc("How messages to carers and staff go: 'off' (none queued), 'smtp' (the school's mail relay, "
                         "sent by the outbox) or 'export' (kept for `kiosk outbox export --csv`, for schools that "
                         "send through ParentMail, Groupcall or their MIS).", "off")
    mail_from: str = _doc("The address messages come from, e.g. office@school.example (the relay must allow it).", "")
    mail_reply_to: str = _doc("Where replies go; empty: the from address.", "")
    mail_dsl_address: str = _doc("The Designated Safeguarding Lead's address (or a safeguarding team inbox): told "
                                 "that a hold was placed, never what about. Empty: not told by email.", "")
    mail_head_address: str = _doc("The head's address (several, comma-separated, e.g. the head and the chair of "
                                  "governors): `kiosk report review-pack --send` and `kiosk report summary --send` "
                                  "send them the paper as a PDF, the message itself counts only. Empty: not sent.", "")
    mail_parent_delay_minutes: int = _doc("Wait this long before sending a confiscation notice, so a safeguarding "
                                          "hold placed just after stops it.", 10)
    smtp_host: str = _doc("The mail relay, e.g. smtp.office365.com, smtp-relay.gmail.com or the LA's relay.", "")
    smtp_port: int = _doc("Its port: 587 for STARTTLS, 465 for implicit TLS, 25 for a relay that allows it.", 587)
    smtp_security: str = _doc("'starttls', 'tls' (implicit, port 465) or 'none' (a relay on the school's own "
                              "network only).", "starttls")
    smtp_username: str = _doc("Login for the relay; empty: no login (a relay that trusts the school's address). The "
                              "password is never in this file: KIOSK_SMTP_PASSWORD, or the file smtp.password beside "
                              "the key file (mode 0600).", "")
    smtp_ca_file: str = _doc("A certificate authority file to trust for the relay (an LA relay signed by its own "
                             "authority); empty: the PC's own trusted authorities.", "")
    smtp_timeout_seconds: float = _doc("Give up on one connection to the relay after this many seconds.", 30.0)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def hand_back_time(self) -> time:
        return time.fromisoformat(self.hand_back_from)

    def validate(self) -> Settings:
        try:
            ZoneInfo(self.timezone)
        except Exception as exc:
            raise ConfigError(f"timezone {self.timezone!r} is not a known time zone (e.g. Europe/London)") from exc
        try:
            time.fromisoformat(self.hand_back_from)
        except ValueError as exc:
            raise ConfigError(f"hand_back_from {self.hand_back_from!r} is not a time like 14:30") from exc
        if self.theme not in THEMES:
            raise ConfigError(f"theme {self.theme!r} is not one the kiosk has: choose one of {', '.join(THEMES)}")
        if self.slot_scheme not in ("form", "year", "single"):
            raise ConfigError(f"slot_scheme {self.slot_scheme!r} must be 'form', 'year' or 'single'")
        for start, end in self.terms:
            try:
                if date.fromisoformat(end) < date.fromisoformat(start):
                    raise ConfigError(f"term {start}…{end} ends before it starts")
            except ValueError as exc:
                raise ConfigError(f"term dates must look like 2026-09-02 (got {start!r}, {end!r})") from exc
        steps = sorted(int(step.get("from", 0)) for step in self.escalation)
        if not steps or steps[0] != 1:
            raise ConfigError("the escalation ladder must start from the 1st confiscation ('from = 1')")
        for desk in (self.desk, *self.desks):
            if not desk.strip() or len(desk) > 64:
                raise ConfigError(f"desk {desk[:30]!r}… must be 1–64 characters (it is recorded on every action)")
        if self.mail_via not in ("off", "smtp", "export"):
            raise ConfigError(f"mail_via {self.mail_via!r} must be 'off', 'smtp' or 'export'")
        if self.smtp_security not in ("starttls", "tls", "none"):
            raise ConfigError(f"smtp_security {self.smtp_security!r} must be 'starttls', 'tls' or 'none'")
        # A relay needs the address messages come from; an export for the MIS's messaging has none (the MIS sends).
        if self.mail_via == "smtp" and "@" not in self.mail_from:
            raise ConfigError("mail_from must be an email address when mail_via is 'smtp'")
        if self.idle_lock_seconds < 10:
            raise ConfigError("idle_lock_seconds must be at least 10")
        return self


def config_dir() -> Path:
    chosen = os.environ.get("KIOSK_CONFIG_DIR")
    if chosen:
        return Path(chosen)
    return config_apart(Path(platformdirs.user_config_dir(APP_NAME)), Path(platformdirs.user_data_dir(APP_NAME)))


def config_apart(config: Path, data: Path, *, system: str = sys.platform) -> Path:
    """The settings and key folder, never the database's: on Windows platformdirs gives both as the same folder
    (%LOCALAPPDATA%\\kiosk\\kiosk), and whoever copies the database folder would take the key with it."""
    return config / "settings" if system == "win32" and config == data else config


def data_dir() -> Path:
    return Path(os.environ.get("KIOSK_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


def demo_dir() -> Path:
    """Where `kiosk demo` keeps its school unless told otherwise: a folder of its own in the data dir."""
    return data_dir() / "demo"


def settings_path() -> Path:
    return config_dir() / "kiosk.toml"


_ENV = {"KIOSK_DB": "database", "KIOSK_DESK": "desk", "KIOSK_KEY_FILE": "key_file",
        "KIOSK_WITNESS_FILE": "witness_file", "KIOSK_SCHOOL": "school_name", "KIOSK_TIMEZONE": "timezone"}


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Defaults < TOML file < environment < explicit overrides (flags). None overrides are ignored."""
    values: dict[str, Any] = {}
    path = path or settings_path()
    if path.exists():
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"settings file {path} is not valid TOML: {exc}") from exc
    known = {f.name: f for f in fields(Settings)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"settings file {path} has unknown settings: {', '.join(unknown)}")
    for env, name in _ENV.items():
        if os.environ.get(env):
            values[name] = os.environ[env]
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        settings = Settings(**{k: _coerce(known[k].type, v) for k, v in values.items()})
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"a setting has the wrong type: {exc}") from exc
    return settings.validate()


def _coerce(kind: Any, value: Any) -> Any:
    kind = str(kind)
    if kind.startswith("tuple"):
        return tuple(tuple(v) if isinstance(v, list) else v for v in value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool" and isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return value


def describe_settings(settings: Settings) -> list[tuple[str, Any, str]]:
    return [(f.name, getattr(settings, f.name), f.metadata["doc"]) for f in fields(Settings)]


def database_url(settings: Settings) -> str:
    return settings.database or str(data_dir() / "kiosk.db")


def key_file_path(settings: Settings) -> Path:
    return Path(settings.key_file) if settings.key_file else config_dir() / "kiosk.key"


def witness_path(settings: Settings) -> Path | None:
    """This desk's audit witness file (kiosk/audit/witness.py), or None when switched off."""
    chosen = settings.witness_file.strip()
    if chosen.lower() == "off":
        return None
    return Path(chosen).expanduser() if chosen else key_file_path(settings).with_suffix(".witness")


def backup_folder(settings: Settings) -> Path:
    """Where the nightly backups go (and are looked for)."""
    chosen = settings.backup_folder.strip()
    return Path(chosen).expanduser() if chosen else data_dir() / "backups"


def default_witness_path() -> Path | None:
    """The witness file for a database opened without naming one: as the settings file and environment say,
    and by default only beside a key file that exists (no key file here: this process is not a desk of it)."""
    try:
        settings = load_settings()
    except ConfigError:
        return None
    path = witness_path(settings)
    if path is not None and not settings.witness_file.strip() and not key_file_path(settings).exists():
        return None
    return path
