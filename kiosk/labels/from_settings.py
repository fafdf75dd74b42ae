"""From the desk's printer settings to a Printer: the one place that knows the kinds."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import Settings, data_dir
from kiosk.labels.brother import DEFAULT_MODEL, BrotherPrinter
from kiosk.labels.cups import CupsPrinter
from kiosk.labels.files import FilePrinter
from kiosk.labels.printers import Printer, PrintFailed
from kiosk.labels.windows_printer import DEFAULT_PRINTER, WindowsPrinter, printer_name_problem

PRINTER_KINDS = {
    "cups": "a CUPS printer queue (target: the queue name, as `kiosk printers` lists it)",
    "brother": "a Brother QL directly (target: /dev/usb/lp0, tcp://HOST:9100, or a file for the raster)",
    "file": "save a file per job instead of printing (target: a folder, or a .pdf or .png path)",
    "windows": "a printer Windows knows, through its own driver (target: its name as in Printers & scanners, "
               "\\\\SERVER\\NAME for a shared one, or 'default' for the PC's default printer)",
}


def make_printer(kind: str, target: str, *, media: str | None = None, brother_model: str = DEFAULT_MODEL) -> Printer:
    kind = (kind or "").strip().lower()
    if kind == "windows":  # no name: the PC's default printer
        name = (target or "").strip() or DEFAULT_PRINTER
        if problem := printer_name_problem(name):
            raise PrintFailed(f"{name!r} is not a Windows printer's name: {problem}",
                              "Set printer_target to the printer's name as Windows shows it, or 'default', then "
                              "print again.")
        return WindowsPrinter(name)
    if not target or not target.strip():
        raise PrintFailed("no printer is set up for labels",
                          "Choose a printer on the Labels screen or in the settings (printer_target), then print.")
    if kind == "cups":
        return CupsPrinter(target.strip(), media=media)
    if kind == "brother":
        return BrotherPrinter(target, model=brother_model or DEFAULT_MODEL)
    if kind == "file":
        return FilePrinter(target)
    raise PrintFailed(f"{kind!r} is not a kind of printer the kiosk knows",
                      f"Set printer_kind to one of {', '.join(PRINTER_KINDS)}, then print again.")


def default_folder() -> Path:
    """Where the file printer saves when no target is set: a folder the office can find, one file per job."""
    return data_dir() / "labels"


def configured_printer(settings: Settings) -> tuple[str, str]:
    """The printer in the settings as (kind, target); an empty 'file' target saves one PDF per job in the data
    dir's `labels` folder (as `kiosk labels` does), an empty 'windows' target prints to the default printer."""
    kind = (settings.label_printer_kind or "file").strip().lower()
    target = settings.label_printer or (str(default_folder()) if kind == "file" else
                                        DEFAULT_PRINTER if kind == "windows" else "")
    return kind, target


def chosen_printer(settings: Settings, chosen: tuple[str, str] | None) -> tuple[str, str]:
    """The printer for this run of the desk: the one chosen on the Labels screen (never saved), else the settings'."""
    return chosen if chosen else configured_printer(settings)


def printer_for(settings: Settings, kind: str, target: str) -> Printer:
    """The printer `kind` and `target` name, with this school's label media and Brother model. Raises PrintFailed
    when no printer is set up."""
    return make_printer(kind, target, media=settings.label_media or None, brother_model=settings.brother_model)


def printer_settings(printer: Printer) -> tuple[str, str]:
    """The kind and target that make this printer again (for a print job's Retry); ("", "") for one made otherwise."""
    if isinstance(printer, CupsPrinter):
        return "cups", printer.queue
    if isinstance(printer, BrotherPrinter):
        return "brother", printer.target
    if isinstance(printer, FilePrinter):
        return "file", str(printer.path)
    if isinstance(printer, WindowsPrinter):
        return "windows", printer.name
    return "", ""
