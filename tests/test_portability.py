"""The kiosk runs on the school's Windows PCs, which this machine cannot be: so the code is checked for what would
break there (docs/windows.md). Every date is worded by kiosk/formatting.py without the C library's "%-d" (Windows'
strftime raises ValueError on it: a phone left overnight would crash the desk), and nothing POSIX-only is used
outside kiosk/platform.py, the one module with a Windows branch (file privacy by icacls there). The other way round
too: nothing Windows-only outside it, but for the spooler's calls (kiosk/labels/windows_spooler.py, loaded by
kiosk/labels/windows_printer.py on Windows alone)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KIOSK = ROOT / "kiosk"
PLATFORM_MODULE = KIOSK / "platform.py"
POSIX_MODULES = {"fcntl", "pwd", "grp", "termios", "tty", "resource", "posix", "pty", "crypt", "syslog", "spwd"}
POSIX_OS = {"chmod", "fchmod", "lchmod", "chown", "fchown", "lchown", "getuid", "geteuid", "getgid", "getegid", "fork",
            "setsid", "killpg", "getpgid", "setpgid", "statvfs", "fstatvfs", "mkfifo", "sync", "getloadavg", "uname",
            "O_NOCTTY", "O_NOFOLLOW", "O_DIRECTORY", "WNOHANG", "pipe2", "sched_getaffinity"}
POSIX_SIGNALS = {"SIGKILL", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGTSTP", "SIGSTOP", "SIGCONT", "SIGCHLD",
                 "SIGPIPE", "SIGQUIT", "SIGWINCH"}
DASH_DIRECTIVE = re.compile(r"%-[a-zA-Z]")
WINDOWS_SPOOLER = KIOSK / "labels" / "windows_spooler.py"
WINDOWS_MODULES = {"winreg", "msvcrt", "winsound", "_winapi", "win32api", "win32print", "win32con", "win32ui",
                   "win32file", "pywintypes", "pythoncom"}
WINDOWS_CTYPES = {"windll", "WinDLL", "oledll", "OleDLL", "FormatError", "GetLastError", "WinError"}
# Windows-only calls allowed outside the platform module: the spooler's own module (loaded on Windows only).
WINDOWS_CALLERS = {WINDOWS_SPOOLER}


def findings(source: str, *, platform_module: bool, windows_calls: bool = False) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and DASH_DIRECTIVE.search(node.value):
            found.append(f"line {node.lineno}: a '%-' date directive (use kiosk/formatting.py)")
        if platform_module:
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"line {node.lineno}: imports {name}" for name in names if name.split(".")[0] in POSIX_MODULES]
            if not windows_calls:
                found += [f"line {node.lineno}: imports {name} (Windows only)" for name in names
                          if name.split(".")[0] in WINDOWS_MODULES]
        if not windows_calls and isinstance(node, ast.Attribute) and node.attr in WINDOWS_CTYPES:
            found.append(f"line {node.lineno}: .{node.attr} (Windows only)")
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "os" and node.attr in POSIX_OS:
                found.append(f"line {node.lineno}: os.{node.attr}")
            if node.value.id == "signal" and node.attr in POSIX_SIGNALS:
                found.append(f"line {node.lineno}: signal.{node.attr}")
    return found


def test_nothing_posix_only_outside_the_platform_module_and_no_dash_dates_anywhere():
    problems = []
    for path in sorted(KIOSK.rglob("*.py")):
        problems += [f"{path.relative_to(KIOSK.parent)} {problem}"
                     for problem in findings(path.read_text(encoding="utf-8"), platform_module=path == PLATFORM_MODULE,
                                             windows_calls=path in WINDOWS_CALLERS)]
    assert not problems, "\n".join(problems)


def test_the_spoolers_calls_are_loaded_only_behind_the_windows_gate():
    loads = re.compile(r"^\s*(from kiosk\.labels import windows_spooler|import kiosk\.labels\.windows_spooler"
                       r"|from kiosk\.labels\.windows_spooler import)", re.MULTILINE)
    importers = sorted(str(path.relative_to(KIOSK.parent)) for path in KIOSK.rglob("*.py")
                       if path != WINDOWS_SPOOLER and loads.search(path.read_text(encoding="utf-8")))
    assert importers == ["kiosk/labels/windows_printer.py"], importers
    source = (KIOSK / "labels" / "windows_printer.py").read_text(encoding="utf-8")
    gate = source.index('if sys.platform != "win32":')
    assert gate < source.index("from kiosk.labels import windows_spooler"), "imported after the platform check only"


def test_the_check_finds_each_kind_of_problem():
    # Written against the code that was there before: each of these broke, or would break, on Windows.
    assert findings('when.strftime("%a %-d %b")', platform_module=False)
    assert findings('f"{when:%-H:%M}"', platform_module=False)
    assert findings("import fcntl", platform_module=False)
    assert findings("from pwd import getpwuid", platform_module=False)
    assert findings("fd = os.open(path, os.O_RDWR | os.O_NOCTTY)", platform_module=False)
    assert findings("os.chmod(path, 0o600)", platform_module=False)
    assert findings("os.kill(pid, signal.SIGKILL)", platform_module=False)
    assert not findings("os.chmod(path, 0o600)", platform_module=True), "the platform module has its Windows branch"
    assert findings('x.strftime("%-d")', platform_module=True), "…but dates are never worded there"
    assert not findings('when.strftime("%d %b %Y")', platform_module=False)
    assert findings("import winreg", platform_module=False)
    assert findings("from win32print import OpenPrinter", platform_module=False)
    assert findings("ctypes.windll.kernel32.GetDriveTypeW(drive)", platform_module=False)
    assert findings('ctypes.WinDLL("winspool.drv")', platform_module=False)
    assert not findings('ctypes.WinDLL("winspool.drv")', platform_module=False, windows_calls=True)
    assert not findings("import winreg", platform_module=True)


def test_on_windows_the_key_and_settings_are_not_in_the_database_folder(monkeypatch):
    from platformdirs import windows

    from kiosk.config import config_apart

    # What platformdirs gives on Windows for both: its own Windows class, with the one call this machine cannot
    # make (the shell's folder lookup) answered as Windows answers it.
    folders = {"CSIDL_LOCAL_APPDATA": r"C:\Users\office\AppData\Local",
               "CSIDL_APPDATA": r"C:\Users\office\AppData\Roaming"}
    monkeypatch.setattr(windows, "get_win_folder", lambda name: folders[name])
    dirs = windows.Windows(appname="kiosk")
    config, data = Path(dirs.user_config_dir), Path(dirs.user_data_dir)
    assert config == data, "platformdirs' Windows folders are one folder: the reason for the rule"
    apart = config_apart(config, data, system="win32")
    assert apart != data and apart.parent == data
    assert config_apart(Path("/home/office/.config/kiosk"), Path("/home/office/.local/share/kiosk"),
                        system="linux") == Path("/home/office/.config/kiosk")


def test_the_kiosk_type_checks_as_windows_too():
    """This machine cannot run Windows, so the next best thing: mypy reads every module as Windows would
    (`--platform win32`), where `os.geteuid`, `socket.AF_UNIX` and `ctypes.windll` are what exist or not. It found a
    CUPS socket and a POSIX-only call reachable on Windows, each now behind a `sys.platform` check."""
    result = subprocess.run([sys.executable, "-m", "mypy", "--platform", "win32", "--cache-dir",
                             str(ROOT / ".mypy_cache" / "win32")], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
