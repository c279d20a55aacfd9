"""kk/ru/en from day one: a switch on every page, names in the chosen language."""
from __future__ import annotations

import pytest
from django.utils import translation


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_language_switch_changes_visible_text(live_server, page, regions):
    page.page.goto(live_server.url + "/roadmap/")
    english = page.page.locator("h1").inner_text()
    page.page.click("button[name=language][value=ru]")
    page.page.wait_for_load_state()
    assert page.page.locator("html").get_attribute("lang") == "ru"
    assert page.page.locator("h1").inner_text() != english
    assert "Алматы" in page.page.locator("select[name=region]").inner_text()
    page.page.click("button[name=language][value=kk]")
    page.page.wait_for_load_state()
    assert page.page.locator("html").get_attribute("lang") == "kk"
    assert "облысы" in page.page.locator("select[name=region]").inner_text()


@pytest.mark.django_db
def test_region_names_follow_the_active_language(regions):
    with translation.override("kk"):
        assert regions["KZ-19"].name.endswith("облысы")
    with translation.override("en"):
        assert "Almaty" in regions["KZ-19"].name


def test_kazakh_formats_are_ours():
    from django.utils import formats

    with translation.override("kk"):
        assert formats.get_format("SHORT_DATE_FORMAT") == "d.m.Y"
        assert formats.get_format("DECIMAL_SEPARATOR") == ","


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_string_of_ours_is_translated(language):
    """No message in our catalogues is empty or fuzzy (msgfmt's own count)."""
    import subprocess
    from pathlib import Path

    catalogue = Path(__file__).resolve().parent.parent.parent / "locale" / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue)],
                            capture_output=True, text=True, check=True)
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
