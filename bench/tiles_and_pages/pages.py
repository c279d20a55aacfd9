"""Page figures: the bytes of /map/, and its first render in headless Chromium (Playwright)."""
from __future__ import annotations

import re
import time

from bench.common import Server, http_get, median

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
# Per-request parts of the page: CSRF tokens, folium's random element ids and the CSP nonce.
_VOLATILE = re.compile(rb'[A-Za-z0-9]{64}|[0-9a-f]{32}|nonce="[A-Za-z0-9_-]{24}"')


def map_page(geotrack: Server) -> bytes:
    reply = http_get(geotrack.url("/map/"))
    if reply.status != 200:
        raise RuntimeError(f"/map/ answered {reply.status}")
    return reply.body


def normalised(body: bytes) -> bytes:
    return _VOLATILE.sub(b"~", body)


def print_page_ratio(small: bytes, large: bytes, small_n: int, large_n: int) -> None:
    same = normalised(small) == normalised(large)
    print(f"  /map/ HTML: {len(small)} bytes at {small_n} projects, {len(large)} bytes at {large_n} projects; "
          f"ratio {len(large) / len(small):.4f} (target within 1%); identical after removing CSRF tokens "
          f"and folium ids: {'yes' if same else 'no'}")


# Records, in the page's own clock (0 = navigation start), when the first region path is attached.
_INIT_SCRIPT = """
(function () {
  var seen = function () {
    if (!window.__regionsAt && document.querySelector(".leaflet-overlay-pane path")) {
      window.__regionsAt = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, {childList: true, subtree: true});
})();
"""

_TIMINGS = """
() => performance.getEntriesByType("resource").map(e => ({
  name: e.name, start: e.startTime, end: e.responseEnd, duration: e.duration, bytes: e.encodedBodySize}))
"""


def one_load(browser, url: str, timeout_ms: int) -> dict:
    """Load the page in a fresh context; wait for regions and every project tile it asked for."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.add_init_script(_INIT_SCRIPT)
        pending: set = set()
        failed: list[str] = []
        page.on("request", lambda r: pending.add(r) if "/tiles/projects/" in r.url else None)
        page.on("requestfinished", lambda r: pending.discard(r))
        page.on("requestfailed", lambda r: (pending.discard(r), failed.append(r.url)))
        started = time.perf_counter()
        page.goto(url, wait_until="load", timeout=timeout_ms)
        page.wait_for_selector(".leaflet-overlay-pane path", state="attached", timeout=timeout_ms)
        deadline = time.monotonic() + timeout_ms / 1000
        quiet_since = None
        while time.monotonic() < deadline:  # settled: tiles asked for and none pending for 300 ms
            page.wait_for_timeout(50)
            if pending:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > 0.3:
                break
        wall = time.perf_counter() - started
        entries = page.evaluate(_TIMINGS)
        regions_at = page.evaluate("window.__regionsAt")
    finally:
        context.close()
    tiles = [e for e in entries if "/tiles/projects/" in e["name"]]
    api = {e["name"].split("/api/")[1].split("?")[0]: e["duration"] for e in entries if "/api/" in e["name"]}
    done = max([regions_at, *[e["end"] for e in tiles]]) / 1000
    return {"first_render": done, "regions_at": regions_at / 1000, "wall": wall, "tiles": tiles, "api": api,
            "failed": failed}


def first_render(geotrack: Server, loads: int, timeout_ms: int = 180_000) -> list[dict]:
    """Median first render of /map/ over `loads` fresh contexts (after one warm-up load)."""
    from playwright.sync_api import sync_playwright

    url = geotrack.url("/map/")
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            one_load(browser, url, timeout_ms)  # warm-up: Python imports, caches, both workers
            for _ in range(loads):
                results.append(one_load(browser, url, timeout_ms))
        finally:
            browser.close()
    return results


def print_first_render(results: list[dict], projects: int) -> dict:
    """Print the median first render, tile counts, the slowest tile and the cluster tile sizes; return the last load."""
    renders = [r["first_render"] for r in results]
    regions = [r["regions_at"] for r in results]
    slowest = [max(e["duration"] for e in r["tiles"]) / 1000 if r["tiles"] else float("nan") for r in results]
    last = results[-1]
    zooms = sorted({e["name"].split("/tiles/projects/")[1].split("/")[0] for e in last["tiles"]})
    sizes = sorted(e["bytes"] for e in last["tiles"])
    print(f"  first render of /map/ at {projects} projects, median of {len(results)} loads (fresh context each): "
          f"{median(renders):.2f} s [{min(renders):.2f}..{max(renders):.2f}] (target < 2 s); "
          f"regions drawn at {median(regions):.2f} s; wall clock incl. settle check {median([r['wall'] for r in results]):.2f} s")
    unique = len({e["name"] for e in last["tiles"]})
    print(f"  project tile requests per load: {len(last['tiles'])} ({unique} distinct tiles) at zoom {','.join(zooms)}; slowest tile request, "
          f"median over loads: {1000 * median(slowest):.0f} ms [{1000 * min(slowest):.0f}..{1000 * max(slowest):.0f}]; "
          f"cluster tile sizes {sizes[0] / 1024:.1f}..{sizes[-1] / 1024:.1f} KiB (total {sum(sizes) / 1024:.0f} KiB)"
          if sizes else "  no project tiles were requested")
    api = {name: median([r["api"].get(name, float("nan")) for r in results]) for name in last["api"]}
    print("  API requests, median ms: " + "  ".join(f"/api/{name} {value:.0f}" for name, value in sorted(api.items())))
    failed = sum(len(r["failed"]) for r in results)
    print(f"  failed requests over all loads: {failed}" + (f" (e.g. {results[-1]['failed'][:3]})" if failed else ""))
    return last
