"""The domain never loads textual: it runs from the command line, in reports, in other programs."""

import subprocess
import sys
import tomllib
from pathlib import Path

# The domain as the import contract names it (pyproject.toml, tests/test_layers.py), and a few modules beyond.
_CONTRACTS = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
DOMAIN = next(c for c in _CONTRACTS["tool"]["importlinter"]["contracts"] if c["id"] == "domain-ui-free")
CORE = [*DOMAIN["source_modules"], "kiosk.demo", "kiosk.db.backup", "kiosk.storage.transfer"]


def test_core_imports_without_textual():
    code = ("import sys\n" + "".join(f"import {m}\n" for m in CORE)
            + "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_command_line_does_not_load_textual_for_admin_commands():
    code = "import sys, kiosk.cli; kiosk.cli.build_parser(); print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
