"""Every page of ours on a phone (390 x 844, touch): no sideways scrolling, a menu button, 44 px targets."""
from __future__ import annotations

import pytest

from tests.phones.pages import PHONE, load_demo_pages, set_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Controls that must be at least 44 x 44 CSS pixels on a phone: the header's, every form control
# and button outside running text, and the map controls (zoom, layers, full screen, measure).
TARGETS = """
() => {
  const selectors = ['.site-header a', '.site-header button', 'main button', 'main select', 'main input:not([type=hidden])',
    '.leaflet-control-zoom a', '.leaflet-control-layers-toggle', '.leaflet-control-measure-toggle',
    '.leaflet-control-fullscreen a'];
  const small = [];
  for (const element of document.querySelectorAll(selectors.join(','))) {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (!box.width || !box.height || style.visibility === 'hidden' || element.closest('[hidden]')) continue;
    if (element.type === 'checkbox' || element.type === 'radio') continue;  // their <label> is the target
    if (element.classList.contains('leaflet-sbs-range')) continue;  // the swipe's thumb is 42 px by leaflet-compare
    if (box.width < 44 || box.height < 44) small.push(`${element.outerHTML.slice(0, 80)} ${Math.round(box.width)}x${Math.round(box.height)}`);
  }
  return small;
}
"""


def open_menu_if_collapsed(page) -> None:
    button = page.locator(".menu-button")
    if button.is_visible() and button.get_attribute("aria-expanded") == "false":
        button.click()


def check_page(page, url: str, targets: bool = True) -> list[str]:
    response = page.goto(url)
    assert response is not None
    page.wait_for_load_state("load")
    problems = []
    width, inner = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    if width > 390 or inner != 390:
        problems.append(f"{url}: {width} px wide (window {inner} px)")
    if page.locator("meta[name=viewport]").count():
        for content in page.locator("meta[name=viewport]").evaluate_all("els => els.map(e => e.content)"):
            if "user-scalable=no" in content.replace(" ", "") or "maximum-scale" in content:
                problems.append(f"{url}: viewport forbids zooming: {content}")
    if not targets:  # the meeting's full-screen presentation: only that it fits
        return problems
    open_menu_if_collapsed(page)
    problems += [f"{url}: small target {target}" for target in page.evaluate(TARGETS)]
    return problems


def test_every_page_fits_a_phone_without_sideways_scrolling(live_server, browser):
    pages = load_demo_pages()
    problems = []
    for language in ("kk", "ru", "en"):
        context = browser.new_context(bypass_csp=True, **PHONE)
        set_language(context, live_server.url, language)
        page = context.new_page()
        for path in pages["public"]:
            problems += check_page(page, live_server.url + path)
        if language == "ru":
            sign_in(page, live_server.url, pages["akimat"].user.username)
            for path in pages["signed_in"]:
                problems += check_page(page, live_server.url + path)
        context.close()
        if language == "kk":  # the roles that see pages of their own: a ministry user, the coordinator
            for username, paths in pages["by_role"].items():
                context = browser.new_context(bypass_csp=True, **PHONE)
                set_language(context, live_server.url, language)
                page = context.new_page()
                sign_in(page, live_server.url, username)
                for path in paths:
                    problems += check_page(page, live_server.url + path, targets="/present/" not in path)
                context.close()
    assert not problems, "\n".join(problems)


def test_the_menu_collapses_behind_a_keyboard_button_with_language_and_sign_in(live_server, browser):
    pages = load_demo_pages()
    context = browser.new_context(bypass_csp=True, **PHONE)
    page = context.new_page()
    page.goto(live_server.url + pages["public"][0])
    button = page.locator(".menu-button")
    assert button.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    assert not page.locator(".site-nav").is_visible()
    assert not page.locator(".language-switch").is_visible()
    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true"
    assert page.locator(".site-nav a").first.is_visible()
    assert page.get_by_role("link", name="Sign in").is_visible()
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Space")
    assert button.get_attribute("aria-expanded") == "true"
    page.locator('.language-switch button[value="kk"]').click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "kk"
    # Maps fill the width of the phone.
    page.goto(live_server.url + pages["public"][1])
    map_box = page.locator(".folium-map").first.bounding_box()
    assert map_box["width"] >= 390 - 2 * 16
    context.close()
    # On a desktop the menu is simply there, with no button.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + pages["public"][0])
    assert not page.locator(".menu-button").is_visible()
    assert page.locator(".site-nav").is_visible()
    context.close()
