"""geoair maps opened in headless Chromium (Debian's package) with the network blocked.

Driven by Playwright for Python with ``executable_path=/usr/bin/chromium``; no browser
is downloaded. One Chromium for the module; every test opens the map in a new page
whose requests other than file: and data: are aborted, as on an office PC without
internet access.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geoair.maps.interactive import write_html
from geoair.maps.layers import collect_layers

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def map_file(tmp_path_factory) -> Path:
    from test_maps import make_frames

    path = tmp_path_factory.mktemp("maps") / "map.html"
    return write_html(collect_layers(make_frames()), path, title="阳泉市 测试地图")


class Page:
    """A page on the map with the network blocked, recording errors and dialogs."""

    def __init__(self, browser, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1200, "height": 800})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.blocked: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("console", self._console)
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.geoair && window.geoair.ready === true", timeout=20_000)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _console(self, message) -> None:
        if message.type != "error":
            return
        source = (message.location or {}).get("url", "")
        # A blocked basemap tile is expected offline; any other error is not.
        if message.text.startswith("Failed to load resource") and source.startswith("http"):
            return
        self.errors.append(f"console: {message.text} ({source})")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expression: str):
        return self.page.evaluate(expression)


@pytest.fixture
def page(browser, map_file):
    opened = Page(browser, map_file)
    yield opened
    opened.page.close()


def test_loads_offline_with_every_feature(page):
    from test_maps import EXPECTED_COUNTS

    assert page.js("window.geoair.counts") == EXPECTED_COUNTS
    # Point layers count what they drew in view; other layers their Leaflet features.
    drawn = page.js("""Object.fromEntries(Object.entries(window.geoair.groups).map(
        ([k, g]) => [k, g.getLayers ? g.getLayers().filter(l => l._map).length : g.drawn]))""")
    assert drawn == EXPECTED_COUNTS
    # Only basemap tiles were asked of the network, and the user is told they failed.
    assert page.blocked and all("openstreetmap" in url for url in page.blocked)
    page.page.wait_for_selector(".ga-notice", state="visible")
    assert "县区界为底图" in page.page.inner_text(".ga-notice")
    assert page.errors == [] and page.dialogs == []


def test_toggling_a_layer_hides_its_features(page):
    box = page.page.locator('input[data-layer="enterprises"]')
    canvases = "document.querySelectorAll('.ga-points-canvas').length"
    before = page.js(canvases)
    box.uncheck()
    assert page.js("window.geoair.map.hasLayer(window.geoair.groups.enterprises)") is False
    assert page.js("window.geoair.groups.enterprises.drawn") == 0
    assert page.js(canvases) == before - 1
    assert page.js("window.geoair.groups.stations.drawn") == 3
    # its points no longer answer clicks
    x, y = _screen(page, "enterprises", 3)
    page.page.mouse.click(x, y)
    assert page.page.locator(
        ".leaflet-popup-content"
    ).count() == 0 or "矿区洗煤厂" not in page.page.inner_text(".leaflet-popup-content")
    page.page.locator('input[data-layer="parks"]').uncheck()
    assert page.js("window.geoair.groups.parks.getLayers().some(l => l._map)") is False
    box.check()
    assert page.js("window.geoair.groups.enterprises.drawn") == 4
    assert page.errors == []


def _screen(page, layer: str, i: int) -> tuple[float, float]:
    """Where feature ``i`` of ``layer`` is on the screen."""
    return page.js(f"""(() => {{
        const p = window.geoair.map.latLngToContainerPoint(window.geoair.centerOf('{layer}', {i}));
        const r = window.geoair.map.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }})()""")


def test_point_inside_a_park_wins_the_click(page):
    x, y = _screen(page, "enterprises", 1)  # E2 lies inside park P1
    page.page.mouse.click(x, y)
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    assert "阳泉焦化有限公司" in popup.inner_text() and "园区" not in popup.inner_text()[:4]


def test_click_opens_popup_with_escaped_text(page):
    for covering in ("patrol_stops", "gates"):  # a stop sits on E1, its gate is 140 m away
        page.page.locator(f'input[data-layer="{covering}"]').uncheck()
    x, y = _screen(page, "enterprises", 0)
    page.page.mouse.click(x, y)
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.inner_text()
    assert "<img src=x onerror=alert(1)>" in text
    assert "料场未封闭<script>alert(2)</script>" in text  # the open case, as text
    assert "6/7" in text and "罚款合计" in text
    assert popup.locator("img").count() == 0 and popup.locator("script").count() == 0
    page.page.wait_for_timeout(200)
    assert page.dialogs == [] and page.errors == []


def test_search_finds_by_name_and_opens_popup(page):
    page.page.fill(".ga-search input", "焦化")
    hits = page.page.locator(".ga-results li")
    assert hits.count() >= 2  # the enterprise and the patrol stop / suspect line
    hits.first.click()
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    assert "阳泉焦化有限公司" in popup.inner_text()
    page.page.fill(".ga-search input", "<img")
    assert "<img src=x onerror=alert(1)>" in page.page.inner_text(".ga-results")
    assert page.dialogs == [] and page.errors == []


def test_colour_mode_changes_styles_and_legend(page):
    before = page.js("window.geoair.groups.enterprises.style(0).fillColor")
    page.page.select_option('select[data-mode="enterprises"]', "1")  # 绩效等级
    assert page.js("window.geoair.groups.enterprises.style(0).fillColor") == "#1a9850"
    assert before == "#fdae61"  # 1-2 items failed
    assert "A级" in page.page.inner_text('[data-legend="enterprises"]')
    assert page.errors == []


def test_measuring_tool_sums_distances(page):
    page.page.click('[data-tool="measure"]')
    box = page.page.locator("#ga-map").bounding_box()
    page.page.mouse.click(box["x"] + 300, box["y"] + 600)
    page.page.mouse.click(box["x"] + 500, box["y"] + 600)
    total = page.js("window.geoair.measureTotal()")
    expected = page.js("""(() => { const m = window.geoair.map;
        return m.distance(m.containerPointToLatLng([300, 600]),
                          m.containerPointToLatLng([500, 600])); })()""")
    assert total == pytest.approx(expected, rel=1e-6) and total > 100
    assert page.page.locator(".ga-measure-label").count() == 1
    assert page.errors == []


def test_screenshot_is_not_blank(page, tmp_path):
    from PIL import Image

    shot = tmp_path / "map.png"
    page.page.screenshot(path=str(shot))
    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    assert pixels.std(axis=0).max() > 20
    assert len(np.unique(pixels[::7], axis=0)) > 50


def test_many_circles_and_lines_on_geoair_canvases(browser, tmp_path, monkeypatch):
    """Above FAST_MIN features, gate circles and roads are drawn by geoair's own layers."""
    from test_maps import make_frames

    from geoair.maps import interactive

    monkeypatch.setattr(interactive, "FAST_MIN", 0)
    path = write_html(collect_layers(make_frames()), tmp_path / "fast.html")
    opened = Page(browser, path)
    try:
        data = opened.js("window.geoair.data.layers.filter(l => l.fast).map(l => l.id)")
        assert data == ["roads", "gate_buffers", "gate_roads", "patrol_routes", "source_suspects"]
        drawn = opened.js("""['gate_buffers', 'gate_roads', 'source_suspects'].map(
            k => window.geoair.groups[k].drawn)""")
        assert drawn == [2, 1, 2]
        for covering in ("enterprises", "gates", "patrol_stops", "patrol_routes", "roads"):
            opened.page.locator(f'input[data-layer="{covering}"]').uncheck()
        opened.js("""new Promise(done => { const m = window.geoair.map;
            m.once('moveend', () => requestAnimationFrame(done));
            m.setView(window.geoair.centerOf('gate_roads', 0), 17, {animate: false}); })""")
        x, y = _screen(opened, "gate_roads", 0)  # the middle of the road, inside the circle
        opened.page.mouse.click(x, y)
        popup = opened.page.locator(".leaflet-popup-content")
        popup.wait_for(state="visible")
        assert "桃北路" in popup.inner_text()
        # close it and stop the pan that opening it may have started, so positions hold
        opened.js("window.geoair.map.closePopup(); window.geoair.map.stop(); 1")
        x, y = _screen(opened, "gate_buffers", 0)
        opened.page.mouse.click(x + 40, y + 40)  # inside the circle, away from the road
        # the closed popup fades out for 200 ms: wait for the new one
        opened.page.locator(".leaflet-popup-content", has_text="半径").wait_for(timeout=5000)
        assert opened.errors == [] and opened.dialogs == []
    finally:
        opened.page.close()


def test_roads_layer_is_drawn_by_class(page):
    assert page.js("window.geoair.counts.roads") == 4
    legend = page.page.inner_text('[data-legend="roads"]')
    assert "高速公路、国道" in legend and "县道、乡道" in legend and "等级不明" in legend
    # wider for higher classes: the national road is drawn wider than the plant road
    widths = page.js("""(() => { const g = window.geoair.groups.roads;
        return g.getLayers().map(l => [l._gaIndex, l.options.weight]); })()""")
    weight = dict(widths)
    assert weight[0] > weight[1] > weight[3]
    page.js("""new Promise(done => { const m = window.geoair.map;
        m.once('moveend', () => requestAnimationFrame(done));
        m.setView(window.geoair.centerOf('roads', 2), 15, {animate: false}); })""")
    x, y = _screen(page, "roads", 2)
    page.page.mouse.click(x, y)
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    assert "桃北路" in popup.inner_text() and "县道" in popup.inner_text()
    assert page.errors == []


def test_search_takes_the_first_result_on_enter_and_merges_duplicates(page):
    box = page.page.locator(".ga-search input")
    box.fill("桃北路")
    items = page.page.locator(".ga-results li").all_inner_texts()
    # the road in two pieces is one result; the gate road of the same name another layer's
    assert len(items) == len(set(items)) == 2
    assert "（2处）" in items[0] and "道路" in items[0]
    box.press("Enter")
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    assert "桃北路" in popup.inner_text() and "道路等级" in popup.inner_text()
    assert page.page.locator(".ga-results li").count() == 0  # the list closes
    # both pieces are in view
    inside = page.js("""(() => { const b = window.geoair.map.getBounds();
        return [1, 2].map(i => b.contains(window.geoair.centerOf('roads', i))); })()""")
    assert inside == [True, True]
    assert page.errors == []


def test_popup_labels_do_not_wrap(page):
    page.page.locator('input[data-layer="patrol_stops"]').uncheck()
    page.page.locator('input[data-layer="gates"]').uncheck()
    page.js("window.geoair.openPopup('enterprises', 1); 1")
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    rows = page.js("""Array.from(document.querySelectorAll('.ga-popup th')).map(th => {
        const line = parseFloat(getComputedStyle(th).lineHeight) || 16;
        return [th.textContent, getComputedStyle(th).whiteSpace, th.getBoundingClientRect().height,
                line]; })""")
    assert rows and all(space == "nowrap" for _, space, _, _ in rows)
    assert all(height < 1.6 * line for _, _, height, line in rows), rows  # one line each
    assert page.errors == []


def test_county_scoped_map_keeps_its_features_and_fits_its_outline(browser, tmp_path):
    from test_maps import make_frames

    from geoair.maps.layers import county_extent, scope_to_county

    frames = scope_to_county(make_frames(), "矿区")
    extent = county_extent(make_frames(), "矿区")
    path = write_html(collect_layers(frames), tmp_path / "county.html", extent=extent)
    opened = Page(browser, path)
    try:
        counts = opened.js("window.geoair.counts")
        assert counts["counties"] == 1 and counts["enterprises"] == 2 and counts["stations"] == 1
        assert counts["roads"] == 2  # the national road crosses; 桃北路's piece in 矿区
        names = opened.js("""window.geoair.data.layers.find(l => l.id === 'enterprises')
            .fields[0].v""")
        assert "阳泉焦化有限公司" not in str(names)  # a 城区 enterprise is not on it
        view = opened.js("""(() => { const b = window.geoair.map.getBounds();
            return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()""")
        assert view[0] <= 113.60 and view[2] >= 113.70 and view[1] <= 37.80 and view[3] >= 37.90
        assert view[2] - view[0] < 0.25  # fitted to the county, not the whole city
        assert opened.errors == []
    finally:
        opened.page.close()
