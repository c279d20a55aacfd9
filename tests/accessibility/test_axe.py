"""axe-core (npm, served from node_modules, never a CDN) finds no serious or critical violation on any
page of ours, in Kazakh, Russian and English, on a desktop and on a phone; map controls work from
the keyboard with a visible focus."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.phones.pages import DESKTOP, PHONE, load_demo_pages, set_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}) x${v.nodes.length}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
}
"""


def violations(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)  # maps add their controls and layers after load
    page.add_script_tag(path=str(AXE))
    return [f"{url} {problem}" for problem in page.evaluate(RUN_AXE)]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_axe_finds_no_serious_violation_on_any_page_in_any_language(live_server, browser, size):
    assert AXE.exists(), "npm ci installs axe-core"
    pages = load_demo_pages()
    problems = []
    for language in ("kk", "ru", "en"):
        context = browser.new_context(bypass_csp=True, **(PHONE if size == "phone" else DESKTOP))
        set_language(context, live_server.url, language)
        page = context.new_page()
        for path in pages["public"]:
            problems += violations(page, live_server.url + path)
        assert page.locator("html").get_attribute("lang") == language
        sign_in(page, live_server.url, pages["akimat"].user.username)
        for path in pages["signed_in"]:
            problems += violations(page, live_server.url + path)
        context.close()
        for username, paths in pages["by_role"].items():  # a ministry user, the coordinator
            context = browser.new_context(bypass_csp=True, **(PHONE if size == "phone" else DESKTOP))
            set_language(context, live_server.url, language)
            page = context.new_page()
            sign_in(page, live_server.url, username)
            for path in paths:
                if size == "phone" and "/present/" in path:
                    continue  # the full-screen presentation is for a meeting room's screen
                problems += violations(page, live_server.url + path)
            context.close()
    assert not problems, "\n".join(problems)


def focus_ring(page) -> str:
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle + ' ' + "
                         "getComputedStyle(document.activeElement).outlineWidth")


def test_map_controls_work_from_the_keyboard_with_a_visible_focus(live_server, browser):
    pages = load_demo_pages()
    context = browser.new_context(bypass_csp=True, **DESKTOP)
    page = context.new_page()
    page.goto(live_server.url + pages["project"].get_absolute_url())
    page.wait_for_selector(".leaflet-control-zoom-in")
    name = page.evaluate("document.querySelector('.folium-map').id")
    zoom = page.evaluate(f"window['{name}'].getZoom()")

    # Zoom in: tab to the button, press Enter; the focus ring is visible.
    page.focus(".leaflet-control-zoom-in")
    assert focus_ring(page) != "none 0px"
    page.keyboard.press("Enter")
    page.wait_for_function(f"window['{name}'].getZoom() > {zoom}")

    # The layer control opens from the keyboard, and its checkboxes toggle with Space.
    page.focus(".leaflet-control-layers-toggle")
    assert focus_ring(page) != "none 0px"
    page.keyboard.press("Enter")
    assert page.locator(".leaflet-control-layers").first.evaluate(
        "el => el.classList.contains('leaflet-control-layers-expanded')")
    box = page.locator(".leaflet-control-layers-overlays input[type=checkbox]").first
    before = box.is_checked()
    box.focus()
    page.keyboard.press("Space")
    assert box.is_checked() != before

    # The measure tool: open, start, add two points by panning with the arrow keys, finish.
    page.focus(".leaflet-control-measure-toggle")
    assert focus_ring(page) != "none 0px"
    page.keyboard.press("Enter")
    assert page.locator(".leaflet-control-measure-toggle").get_attribute("aria-expanded") == "true"
    page.focus(".leaflet-control-measure .js-centre")
    page.keyboard.press("Enter")
    page.focus(".folium-map")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(400)
    page.focus(".leaflet-control-measure .js-centre")
    page.keyboard.press("Enter")
    result = page.locator(".leaflet-control-measure-result").inner_text()
    assert re.search(r"[1-9]", result), result  # a distance above zero (the hint has no digits)
    page.focus(".leaflet-control-measure .js-finish")
    page.keyboard.press("Enter")
    assert page.locator(".gt-measure-popup").is_visible()

    # Health is never colour alone: the national map's legend has a shape beside each colour.
    page.goto(live_server.url + pages["public"][1])
    page.wait_for_selector(".geotrack-legend-mark")
    assert page.locator(".geotrack-legend-mark").all_inner_texts() == ["\u2713", "!", "\u2716", "\u2605"]
    context.close()

    # The meeting's presentation: Tab reaches the view buttons with a visible ring; Enter and Space do what
    # the focused button says (Space on "previous" goes back); the arrow keys move between views.
    context = browser.new_context(bypass_csp=True, **DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, pages["coordinator"].user.username)
    page.goto(live_server.url + reverse("meeting-present", args=[pages["meeting"].pk]))
    count = int(page.locator("#stage").get_attribute("data-count"))
    assert count >= 2
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.step === '1'"):
            break
    assert page.evaluate("document.activeElement.dataset.step") == "1"
    assert focus_ring(page) != "none 0px"
    page.keyboard.press("Enter")
    page.wait_for_selector(".view[data-index='1']")
    assert page.locator("#position").inner_text().startswith("2 /")
    page.keyboard.press("Shift+Tab")  # back to "previous"
    assert page.evaluate("document.activeElement.dataset.step") == "-1"
    page.keyboard.press("Space")  # the button's own action: back, not the page's "Space is next"
    page.wait_for_selector(".view[data-index='0']")
    assert page.locator("#position").inner_text().startswith("1 /")
    page.locator("#stage").click(position={"x": 5, "y": 5})
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(".view[data-index='1']")
    context.close()
