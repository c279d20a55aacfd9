"""The before/after comparison page in headless Chromium: both images load, the swipe moves the clip."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.layers.test_imagery import ingest
from tests.layers.test_imagery_change import scene, site_project


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_moving_the_swipe_handle_moves_the_clip_between_two_dates(live_server, page, regions, agency, tmp_path):
    project = site_project(agency)
    before = ingest(scene(tmp_path, "before.tif"), acquired_on=dt.date(2024, 6, 1), is_public=True, project=project)
    after = ingest(scene(tmp_path, "after.tif", painted=True), acquired_on=dt.date(2025, 6, 1), is_public=True,
                   project=project)
    browser_page = page.page
    browser_page.set_viewport_size({"width": 1000, "height": 800})
    browser_page.goto(f"{live_server.url}/imagery/{project.pk}/compare/?before={before.pk}&after={after.pk}")
    browser_page.wait_for_selector(".leaflet-sbs-range", state="attached")
    browser_page.wait_for_function("document.querySelectorAll('.leaflet-tile-loaded').length >= 2")
    for image in (before, after):
        pattern = re.compile(rf"^{re.escape(live_server.url)}/tiles/imagery/{image.pk}/\d+/\d+/\d+\.png$")
        assert any(pattern.match(url) for url in page.requests), image

    def clip_right_edge() -> float:
        clip = browser_page.evaluate(
            "() => document.querySelectorAll('.leaflet-layer')[0].style.clip")  # before: left of the handle
        return float(re.findall(r"[-\d.]+", clip)[1])

    start = clip_right_edge()
    # The handle is leaflet-compare's range input. A mouse drag on its thumb does not move it in
    # headless Chromium (the input is 0 px high and the thumb overflows it), so move it from the
    # keyboard, which fires the same input events a drag fires.
    left_before = browser_page.evaluate("() => document.querySelector('.leaflet-sbs-divider').offsetLeft")
    browser_page.focus(".leaflet-sbs-range")
    browser_page.keyboard.press("End")
    left_after = browser_page.evaluate("() => document.querySelector('.leaflet-sbs-divider').offsetLeft")
    assert left_after > left_before + 200  # the handle moved to the right, not the map
    assert clip_right_edge() > start + 100
    assert page.external_requests() == [] and page.errors == [] and page.failed == []
