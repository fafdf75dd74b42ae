"""Finds the stylesheet and assets whether running from a checkout or an installed wheel."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    # An installed wheel carries the file inside the package; a checkout keeps it at the repo root.
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{name} is missing from the kiosk installation (looked in {_PACKAGE})")


def stylesheet() -> Path:
    return _find("kiosk.tcss")


def assets_dir() -> Path:
    return _find("assets")
