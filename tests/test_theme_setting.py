"""The theme a desk opens in is a setting (kiosk.toml `theme`): validated with the themes named, listed by
`kiosk config`, applied when the kiosk starts; the palette still changes it for the session."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.config import THEMES, ConfigError, load_settings
from tests.tui_helpers import kiosk_app, sign_in


def test_the_theme_comes_from_kiosk_toml(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('theme = "kiosk-high-contrast"\n', encoding="utf-8")
    assert load_settings(path).theme == "kiosk-high-contrast"
    assert load_settings(tmp_path / "none.toml").theme == "textual-dark", "the default is Textual's dark"


def test_a_theme_the_kiosk_does_not_have_is_refused_naming_those_it_has(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('theme = "high contrast"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    said = str(refused.value)
    assert said.startswith("theme 'high contrast' is not one the kiosk has: choose one of textual-dark, ")
    assert all(name in said for name in ("textual-light", "kiosk-high-contrast", "nord"))


def test_kiosk_config_lists_the_theme_with_what_it_does(school):
    code, out, _err = school.cli("config")
    assert code == 0
    assert "theme = 'textual-dark'" in out and "kiosk-high-contrast" in out and "low vision" in out


async def test_the_desk_opens_in_the_theme_set_and_every_theme_named_is_one_the_app_has(school):
    app = kiosk_app(school, replace(school.settings, theme="kiosk-high-contrast"))
    async with app.run_test() as pilot:
        assert app.theme == "kiosk-high-contrast", "applied at start-up, on the lock screen already"
        await sign_in(pilot)
        assert app.theme == "kiosk-high-contrast"
        assert set(THEMES) == set(app.available_themes), "the setting offers what the palette's Change theme does"
