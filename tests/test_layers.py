"""The layers the build enforces (pyproject.toml [tool.importlinter]): the contracts hold, and they bite.

A contract that reports nothing proves nothing by itself, so each one is also run against a copy of the package
with one forbidden import added, and must name that very import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "pyproject.toml"
CONTRACTS = {c["id"]: c for c in tomllib.loads(CONFIG.read_text())["tool"]["importlinter"]["contracts"]}
# Above the UI: the `kiosk` command and what it starts. The domain may import none of them.
EDGE = {"kiosk.cli", "kiosk.commands", "kiosk.serve", "kiosk.demo"}  # the `kiosk` command and what it starts


def lint_imports(root: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """`lint-imports` with the repository's contracts, on the package found under `root`."""
    lint = shutil.which("lint-imports")
    if lint is None:  # installed with the test extra; skipping would hide a broken boundary
        pytest.fail("lint-imports is missing: python3 -m pip install -e '.[test]'")
    env = {**os.environ, "PYTHONPATH": str(root)}
    args = [lint, str(CONFIG), "--no-cache", "--no-logo", *(f"--contract={c}" for c in contracts)]
    return subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=120)


def top_level_modules() -> set[str]:
    package = REPO / "kiosk"
    found = {f"kiosk.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    found |= {f"kiosk.{p.name}" for p in package.iterdir() if (p / "__init__.py").exists()}
    return found


def test_the_domain_and_the_database_contracts_hold():
    result = lint_imports(REPO, "domain-ui-free", "db-at-the-bottom")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_every_part_of_the_kiosk_has_its_place_in_the_layers():
    """A package added later (a notifier, a platform module) must be put in a layer, or this fails."""
    domain = set(CONTRACTS["domain-ui-free"]["source_modules"])
    ui = set(CONTRACTS["ui-reads-through-domain"]["source_modules"])
    assert set(CONTRACTS["domain-ui-free"]["forbidden_modules"]) >= EDGE
    assert ui <= set(CONTRACTS["domain-ui-free"]["forbidden_modules"])
    unplaced = top_level_modules() - domain - ui - EDGE
    assert not unplaced, f"put these in a layer in pyproject.toml [tool.importlinter]: {sorted(unplaced)}"
    # kiosk.db sits on kiosk.errors and kiosk.platform (file privacy: the database file is private) alone:
    # everything else of the kiosk is above it.
    below_db = {"kiosk.db", "kiosk.errors", "kiosk.platform"}
    assert set(CONTRACTS["db-at-the-bottom"]["forbidden_modules"]) == top_level_modules() - below_db


@pytest.fixture(scope="module")
def tampered(tmp_path_factory) -> subprocess.CompletedProcess[str]:
    """A copy of the package with one forbidden import added per contract, linted with the repository's config."""
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(REPO / "kiosk", root / "kiosk", ignore=shutil.ignore_patterns("__pycache__"))
    injected = {
        "kiosk/screens/help.py": "from kiosk.db.models import Pupil  # injected: a screen reading the models\n",
        "kiosk/db/commits.py": "from kiosk.audit import witness  # injected: the database reaching up\n",
        "kiosk/roster/values.py": "import textual  # injected: the domain loading the UI toolkit\n",
    }
    for name, line in injected.items():
        path = root / name
        path.write_text(path.read_text() + "\n" + line)
    return lint_imports(root)


def test_a_screen_that_imports_the_models_is_reported_by_name(tampered):
    assert tampered.returncode != 0
    assert "kiosk.screens.help -> kiosk.db.models" in tampered.stdout, tampered.stdout


def test_the_database_importing_the_audit_package_is_reported_by_name(tampered):
    assert "kiosk.db.commits -> kiosk.audit" in tampered.stdout, tampered.stdout


def test_the_domain_importing_textual_is_reported_by_name(tampered):
    assert "kiosk.roster.values -> textual" in tampered.stdout, tampered.stdout


# Contract (b) on the repository itself is checked by the README's test command (`lint-imports`, every contract):
# it fails until the screens read through the domain (issue 13), so it is not repeated here.
