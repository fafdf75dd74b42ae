"""On a Windows office PC the kiosk runs in Windows Terminal, which takes its own keys before the app sees them
(F11 is full screen: Reports on F11 never opened there). So no key the app binds is one of Windows Terminal's
defaults: checked over every screen and widget class in the kiosk, with what they inherit from Textual."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode

import kiosk

# Windows Terminal's default key bindings, as its own defaults file spells them ("keybindings" in
# https://github.com/microsoft/terminal/blob/main/src/cascadia/TerminalSettingsModel/defaults.json, read at commit
# 0175639a01173a923797513a79c35df0e158bccc; listed for people at
# https://learn.microsoft.com/windows/terminal/customize-settings/actions). The one list: docs/windows.md cites it.
WINDOWS_TERMINAL_DEFAULTS = (
    # Application-level
    "alt+f4", "alt+enter", "f11", "ctrl+shift+space", "ctrl+,", "ctrl+shift+,", "ctrl+alt+,", "ctrl+shift+f",
    "ctrl+shift+p", "win+sc(41)", "alt+space", "ctrl+shift+period",
    # Tabs
    "ctrl+shift+t", "ctrl+shift+n", *(f"ctrl+shift+{n}" for n in range(1, 10)), "ctrl+shift+d", "ctrl+tab",
    "ctrl+shift+tab", *(f"ctrl+alt+{n}" for n in range(1, 10)),
    # Panes
    "ctrl+shift+w", "alt+shift+-", "alt+shift+plus", "alt+shift+down", "alt+shift+left", "alt+shift+right",
    "alt+shift+up", "alt+down", "alt+left", "alt+right", "alt+up", "ctrl+alt+left",
    # Clipboard ("enter" copies only while text is selected with the mouse: see ONLY_WITH_A_SELECTION)
    "ctrl+shift+c", "ctrl+insert", "enter", "ctrl+shift+v", "shift+insert", "ctrl+shift+a", "ctrl+shift+m", "menu",
    # Scrollback
    "ctrl+shift+down", "ctrl+shift+pgdn", "ctrl+shift+up", "ctrl+shift+pgup", "ctrl+shift+home", "ctrl+shift+end",
    # Font size
    "ctrl+plus", "ctrl+minus", "ctrl+numpad_plus", "ctrl+numpad_minus", "ctrl+0", "ctrl+numpad_0",
)
# Windows Terminal's copy on Enter acts only while text is selected with the mouse; otherwise Enter reaches the app.
ONLY_WITH_A_SELECTION = {"enter"}
# Textual's own text-box keys that Windows Terminal takes first; nothing at the desk needs them (the kiosk binds
# none of these itself): select all in a text box (Windows Terminal selects the screen's text instead).
TEXTUAL_OWN_TAKEN = {"ctrl+shift+a"}

# Windows Terminal's key names -> the names Textual gives the same keys. "plus" is the =/+ key (VK_OEM_PLUS).
_NAMES = {",": ("comma",), "period": ("full_stop",), "-": ("minus",), "minus": ("minus",),
          "plus": ("plus", "equals_sign"), "pgdn": ("pagedown",), "pgup": ("pageup",),
          "numpad_plus": ("plus",), "numpad_minus": ("minus",), "numpad_0": ("0",)}
_MODIFIER_ORDER = ("ctrl", "alt", "shift", "super", "win")


def textual_names(windows_keys: str) -> set[str]:
    """'ctrl+shift+pgdn' -> {'ctrl+shift+pagedown'}: the key as Textual names it, modifiers in one order."""
    *modifiers, key = windows_keys.lower().split("+")
    modifiers = sorted(modifiers, key=_MODIFIER_ORDER.index)
    return {"+".join([*modifiers, name]) for name in _NAMES.get(key, (key,))}


def _normal(key: str) -> str:
    *modifiers, name = key.strip().lower().split("+")
    return "+".join([*sorted(modifiers, key=lambda m: _MODIFIER_ORDER.index(m) if m in _MODIFIER_ORDER else 9),
                     name])


TAKEN = {name for keys in WINDOWS_TERMINAL_DEFAULTS if keys not in ONLY_WITH_A_SELECTION
         for name in textual_names(keys)}


def app_bindings() -> dict[str, set[str]]:
    """Every key bound by a screen or widget class of the kiosk (and what it inherits from Textual) -> who binds it,
    plus the command palette's key."""
    found: dict[str, set[str]] = {}
    for module in pkgutil.walk_packages(kiosk.__path__, "kiosk."):
        if not module.name.startswith(("kiosk.app", "kiosk.screens", "kiosk.widgets", "kiosk.serve")):
            continue
        for cls in vars(importlib.import_module(module.name)).values():
            if not (inspect.isclass(cls) and issubclass(cls, DOMNode) and cls.__module__.startswith("kiosk.")):
                continue
            for base in cls.__mro__:
                for binding in base.__dict__.get("BINDINGS", []):
                    keys = binding.key if isinstance(binding, Binding) else binding[0]
                    for key in keys.split(","):
                        found.setdefault(_normal(key), set()).add(f"{base.__module__}.{base.__qualname__}")
            palette = getattr(cls, "COMMAND_PALETTE_BINDING", None)
            if palette and getattr(cls, "ENABLE_COMMAND_PALETTE", False):
                found.setdefault(_normal(palette), set()).add(f"{cls.__module__}.{cls.__qualname__} (palette)")
    return found


def test_no_key_the_kiosk_binds_is_one_windows_terminal_keeps_for_itself():
    bindings = app_bindings()
    assert "f1" in bindings and "ctrl+l" in bindings, "the check reads the app's bindings"
    clashes = {key: sorted(who) for key, who in bindings.items() if key in TAKEN and key not in TEXTUAL_OWN_TAKEN}
    assert not clashes, f"keys Windows Terminal takes before the kiosk sees them: {clashes}"
    ours = {key for key, who in bindings.items() if any(not name.startswith("textual.") for name in who)}
    assert not ours & TEXTUAL_OWN_TAKEN, "the allowance is for Textual's own text-box keys, never the kiosk's"


def test_reports_has_a_key_that_reaches_the_kiosk_in_windows_terminal():
    from kiosk.screens.desk import DeskScreen

    keys = {_normal(k) for b in DeskScreen.BINDINGS if isinstance(b, Binding) and b.action == "reports"
            for k in b.key.split(",")}
    assert keys and not keys & TAKEN, keys


def test_the_key_names_are_translated_as_textual_names_them():
    assert textual_names("f11") == {"f11"}
    assert textual_names("ctrl+shift+pgdn") == {"ctrl+shift+pagedown"}
    assert textual_names("ctrl+,") == {"ctrl+comma"}
    assert textual_names("alt+shift+-") == {"alt+shift+minus"}
    assert textual_names("ctrl+plus") == {"ctrl+plus", "ctrl+equals_sign"}
    assert "f11" in TAKEN and "alt+enter" in TAKEN and "ctrl+shift+p" in TAKEN and "ctrl+tab" in TAKEN
    assert "enter" not in TAKEN and "ctrl+t" not in TAKEN and "ctrl+p" not in TAKEN
