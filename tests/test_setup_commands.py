"""The README's set-up commands, run as written with Debian's own Python in a throwaway home folder.

Debian's /usr/bin/python3 is "externally managed" (PEP 668): `pip install` into it stops with
externally-managed-environment, so a command that works only on CI's own Python fails for a school's technician.
Each command is read from README.md itself (README and test cannot drift apart) and run by /bin/sh in a copy of this
checkout, with PATH=/usr/bin:/bin (so `python3` is Debian's), a new HOME, and none of this session's Python
settings; pip's cache is shared with this user's, so the installs after the first need not download again.
Set KIOSK_REQUIRE_SETUP=1 (as .ci/run does) to fail instead of skip where /usr/bin/python3 cannot run them.
About a minute on 2 cores: two installs of the kiosk and its dependencies into new environments, one upgrade.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.db.migrations import LATEST

REPO = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")
SYSTEM_PATH = "/usr/bin:/bin"
# What this checkout has made or cached, never part of what a school unpacks.
NOT_COPIED = {".git", ".venv", "build", "dist", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache",
              ".hypothesis", ".import_linter_cache", "snapshot_report.html"}
# Settings from outside that still reach the commands: where pip finds packages and how it gets through a proxy.
PASSED_ON = ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "SSL_CERT_FILE")
PIN = "135790"

pytestmark = pytest.mark.setup


def _why_system_python_cannot() -> str | None:
    if sys.platform != "linux" or not SYSTEM_PYTHON.exists():
        return f"no {SYSTEM_PYTHON}: these commands are checked against Debian's own Python"
    probe = ("import pathlib, sysconfig; lib = pathlib.Path(sysconfig.get_path('stdlib')); "
             "print((lib / 'EXTERNALLY-MANAGED').exists(), (lib / 'ensurepip' / '__main__.py').exists())")
    managed, venv = subprocess.run([str(SYSTEM_PYTHON), "-I", "-c", probe], capture_output=True, text=True,
                                   check=True).stdout.split()
    if managed != "True":
        return f"{SYSTEM_PYTHON} is not externally managed (PEP 668), so it would not show the problem"
    if venv != "True":
        return f"{SYSTEM_PYTHON} cannot make environments: apt-get install python3-venv"
    return None


@pytest.fixture(scope="module")
def system_python() -> None:
    why = _why_system_python_cannot()
    if why and os.environ.get("KIOSK_REQUIRE_SETUP") == "1":
        pytest.fail(f"KIOSK_REQUIRE_SETUP=1 but {why}")
    if why:
        pytest.skip(why)


@pytest.fixture
def pip_cache(tmp_path):
    """This user's pip cache, shared so nothing is fetched twice; the kiosk wheels pip builds here and caches (one per
    throwaway folder, never used again) are taken out afterwards."""
    cache = Path(os.environ.get("PIP_CACHE_DIR") or Path.home() / ".cache" / "pip")
    yield cache
    for origin in list((cache / "wheels").glob("**/origin.json")):  # listed first: the loop removes folders
        with contextlib.suppress(OSError):
            if str(tmp_path) in origin.read_text(encoding="utf-8", errors="replace"):
                shutil.rmtree(origin.parent, ignore_errors=True)


def readme_block(after: str, nth: int = 0) -> str:
    """The one-line command in the nth ```sh block after the text `after` in README.md."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert after in text, f"README.md has no {after!r}"
    blocks = re.findall(r"```sh\n(.*?)\n```", text[text.index(after):], flags=re.S)
    command = blocks[nth]
    assert "\n" not in command, f"expected one command, found {command!r}"
    assert "--break-system-packages" not in command and "--user" not in command, command
    return command


def copy_checkout(dest: Path) -> Path:
    def made_here(folder: str, names: list[str]) -> list[str]:
        return [n for n in names
                if n in NOT_COPIED or n.endswith(".egg-info") or (Path(folder).name == "bench" and n == "out")]

    shutil.copytree(REPO, dest, ignore=made_here)
    return dest


def fresh_env(home: Path, pip_cache: Path) -> dict[str, str]:
    home.mkdir(exist_ok=True)
    env = {"HOME": str(home), "PATH": SYSTEM_PATH, "LANG": "C.UTF-8", "TERM": "dumb"}
    env |= {k: v for k, v in os.environ.items() if k in PASSED_ON or k.startswith("PIP_")}
    env["PIP_CACHE_DIR"] = str(pip_cache)
    for user_config in (Path.home() / ".config" / "pip" / "pip.conf", Path.home() / ".pip" / "pip.conf"):
        if user_config.exists() and "PIP_CONFIG_FILE" not in env:  # a contributor's own index or mirror
            env["PIP_CONFIG_FILE"] = str(user_config)
    return env


def sh(command: str, *, cwd: Path, env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run(["/bin/sh", "-c", command], cwd=cwd, env=env, input=stdin, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, (f"`{command}` failed ({done.returncode}):\n{done.stdout[-3000:]}\n"
                                  f"{done.stderr[-3000:]}")
    return done.stdout


def folders(config_text: str) -> tuple[Path, Path]:
    found = re.search(r"Config dir: (\S+)\s+Data dir: (\S+)", config_text)
    assert found, config_text
    return Path(found[1]), Path(found[2])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_first_command_installs_with_debians_python_and_an_upgrade_keeps_the_school(
        system_python, pip_cache, tmp_path):
    command = readme_block("## Try it")
    assert command.count("kiosk demo") == 1, command
    checkout = copy_checkout(tmp_path / "kiosk-folder")
    dropped = checkout / "kiosk" / "dropped_by_upgrade.py"  # a module this version has and the next one drops
    dropped.write_text('"""Only in the old version."""\n', encoding="utf-8")
    home = tmp_path / "home"
    env = fresh_env(home, pip_cache)
    assert sh("command -v python3", cwd=checkout, env=env).strip() == str(SYSTEM_PYTHON)

    shown = sh(command.replace("kiosk demo", "kiosk --help"), cwd=checkout, env=env)
    assert "usage: kiosk" in shown
    # Nothing went into Debian's Python or the user's site folder: the kiosk lives in its own environment.
    outside = subprocess.run([str(SYSTEM_PYTHON), "-c", "import kiosk"], cwd=home, env=env, capture_output=True)
    assert outside.returncode != 0, "the kiosk was installed into the system's Python"

    # Tomorrow: the program by its full path, from anywhere.
    kiosk = checkout / ".venv" / "bin" / "kiosk"
    old_version = sh(f"{kiosk} --version", cwd=home, env=env).strip()
    config_dir, data_dir = folders(sh(f"{kiosk} config", cwd=home, env=env))
    for folder in (config_dir, data_dir):
        assert folder.is_relative_to(home) and not folder.is_relative_to(checkout), folder
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "kiosk.toml").write_text('school_name = "Upgrade Test School"\n', encoding="utf-8")
    sh(f'{kiosk} init --admin-name "Una Admin" --initials UA --pin-stdin', cwd=home, env=env, stdin=f"{PIN}\n")
    key_file, database = config_dir / "kiosk.key", data_dir / "kiosk.db"
    kept = {path: digest(path) for path in (key_file, config_dir / "kiosk.toml")}
    # A database one schema step behind, as the last version left it (every step after the first only adds what is
    # missing, so the step is taken again on the next start).
    with sqlite3.connect(database) as db:
        db.execute("UPDATE setting SET value = ? WHERE key = 'schema_version'", (str(LATEST - 1),))
    db.close()

    # The new version, as `git pull` brings it: changed code, and the module gone.
    init = checkout / "kiosk" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "upgraded-'), encoding="utf-8")
    dropped.unlink()
    sh(readme_block("**Upgrading**"), cwd=checkout, env=env)

    assert sh(f"{kiosk} --version", cwd=home, env=env).strip() == old_version.replace("kiosk ", "kiosk upgraded-")
    leftover = subprocess.run([str(checkout / ".venv" / "bin" / "python"), "-c", "import kiosk.dropped_by_upgrade"],
                              cwd=home, env=env, capture_output=True)
    assert leftover.returncode != 0, "a module the new version removed was installed again"
    assert {path: digest(path) for path in kept} == kept, "the upgrade changed the key file or the settings"
    sh(f"{kiosk} audit verify", cwd=home, env=env)  # the first start of the new version: migrates, then checks
    assert "Upgrade Test School" in sh(f"{kiosk} config", cwd=home, env=env)
    with sqlite3.connect(database) as db:
        version = db.execute("SELECT value FROM setting WHERE key = 'schema_version'").fetchone()[0]
        staff = db.execute("SELECT initials FROM staff").fetchall()
    db.close()
    assert int(version) == LATEST, "the new version did not bring the schema up to date on start"
    assert staff == [("UA",)]


def test_the_test_commands_set_up_makes_its_own_environment_with_debians_python(system_python, pip_cache, tmp_path):
    steps = readme_block("## Run every test").split(" && ")
    install = next(i for i, step in enumerate(steps) if "pip install" in step)
    assert steps[-1].startswith("python3 -m pytest -q"), steps
    checkout = copy_checkout(tmp_path / "kiosk-folder")
    env = fresh_env(tmp_path / "home", pip_cache)
    # The set-up, then the checks as written; of the suite, only its collection (this run is the whole suite).
    where = ["command -v python3", "command -v kiosk", "command -v lint-imports", "kiosk --help"]
    collect = "python3 -m pytest -q --collect-only -p no:cacheprovider"
    found = sh(" && ".join([*steps[: install + 1], *where, *steps[install + 1 : -1], collect]), cwd=checkout, env=env)
    venv_bin = checkout / ".venv" / "bin"
    assert found.splitlines()[:3] == [str(venv_bin / "python3"), str(venv_bin / "kiosk"),
                                      str(venv_bin / "lint-imports")]
    assert "usage: kiosk" in found
    assert re.search(r"^\d+ tests collected", found, flags=re.M), found[-2000:]


def test_ci_runs_the_readmes_test_command_exactly():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_block("## Run every test") in ci.splitlines()
