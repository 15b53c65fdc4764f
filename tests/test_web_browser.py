"""geoair serve's pages in real Chromium (Debian's package) through Playwright.

The app runs in uvicorn on a free loopback port; every request other than to that
server (and data:/blob: URLs) is aborted, as on an office PC without internet access,
and every console error, page error and dialog is recorded: a test fails on any. The
tests on the demo workspace (a copy of the one built once per session) are also
marked slow.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geoair.store.open import open_workspace
from geoair.store.workspace import Workspace
from geoair.web.app import WebConfig
from geoair.web.server import start_in_thread
from geoair.web.users import UserStore

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"
BAD_CSV = (
    "企业编号,企业名称,县区,行业,规模以上,绩效等级,生产状态,经度,纬度\n"
    "E6,阳泉市己化工有限公司,郊区,化工,是,B,正常生产,113.53,37.87\n"
    "E7,,郊区,化工,是,B,正常生产,113.54,37.87\n"
    f"E8,{XSS},郊区,化工,也许,B,正常生产,113.55,37.87\n"
)


class Page:
    """A browser page that may reach only the local server; errors and dialogs kept."""

    def __init__(self, browser, url: str) -> None:
        self.url = url
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.blocked: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("console", self._console)
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith((self.url + "/", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location})")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def goto(self, path: str):
        return self.page.goto(self.url + path)

    def clean(self) -> bool:
        return self.errors == [] and self.dialogs == [] and self.blocked == []

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def small(browser, ws_with_ledger: Workspace):
    running = start_in_thread(ws_with_ledger)
    page = Page(browser, running.url)
    yield ws_with_ledger, page
    page.close()
    running.stop()


def test_import_a_dropped_file_and_read_its_rejects(small):
    ws, page = small
    page.goto("/import")
    page.page.select_option("#ga-kind", "enterprises")
    page.page.select_option("#ga-coords", "wgs84")
    # Drop the file on the drop zone, as a clerk drags it from the desktop.
    transfer = page.page.evaluate_handle(
        """(text) => { const dt = new DataTransfer();
            dt.items.add(new File([text], '企业台账.csv', {type: 'text/csv'})); return dt; }""",
        BAD_CSV,
    )
    page.page.dispatch_event("#ga-drop", "drop", {"dataTransfer": transfer})
    assert "企业台账.csv" in page.page.inner_text("#ga-chosen")
    page.page.click("#ga-import-go")
    page.page.wait_for_selector("#ga-rejects")
    summary = page.page.inner_text("#ga-import-summary")
    assert "导入 1 行" in summary and "退回 2 行" in summary
    rows = page.page.locator("#ga-rejects tbody tr")
    assert rows.count() == 2
    assert "企业名称为空" in rows.nth(0).inner_text()
    # The hostile name is shown as text, never run.
    assert XSS in rows.nth(1).inner_text() and "不是是/否" in rows.nth(1).inner_text()
    assert page.page.locator("#ga-rejects img").count() == 0
    with page.page.expect_download() as info:
        page.page.click("#ga-rejects-csv")
    download = info.value
    stored = next((ws.root / "rejects").glob("enterprises-*.csv"))
    assert Path(download.path()).read_bytes() == stored.read_bytes()
    assert download.suggested_filename == stored.name
    assert page.clean(), (page.errors, page.dialogs, page.blocked)


def test_path_like_upload_name_is_stored_safely(small, tmp_path):
    ws, page = small
    page.goto("/import")
    page.page.select_option("#ga-kind", "enterprises")
    good = BAD_CSV.splitlines()[0] + "\n" + BAD_CSV.splitlines()[1] + "\n"
    page.page.set_input_files(
        "#ga-file",
        files=[{"name": "../../escape.csv", "mimeType": "text/csv", "buffer": good.encode()}],
    )
    page.page.click("#ga-import-go")
    page.page.wait_for_selector("#ga-import-status.state-done")
    uploads = list((ws.root / "uploads").iterdir())
    assert len(uploads) == 1 and uploads[0].read_bytes() == good.encode()
    assert "escape" not in uploads[0].name
    assert not list(ws.root.parent.rglob("escape.csv"))
    assert page.clean(), (page.errors, page.dialogs, page.blocked)


def test_a_write_without_the_csrf_token_is_refused(small):
    ws, page = small
    page.goto("/downloads")
    statuses = page.page.evaluate(
        """async () => {
            const body = JSON.stringify({layer: 'enterprises', format: 'csv'});
            const bare = await fetch('/api/run/export', {method: 'POST', body,
                headers: {'Content-Type': 'application/json'}});
            const token = document.querySelector('meta[name=csrf-token]').content;
            const good = await fetch('/api/run/export', {method: 'POST', body,
                headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token}});
            return [bare.status, good.status];
        }"""
    )
    assert statuses == [403, 202]
    # The refused request is the page's only console error.
    assert len(page.errors) == 1 and "403" in page.errors[0] and "/api/run/export" in page.errors[0]


def test_every_page_opens_without_errors(small):
    _, page = small
    for path in ("/", "/import", "/work", "/map", "/downloads", "/lang/en?next=/work", "/"):
        response = page.goto(path)
        assert response.ok, path
    assert "Overview" in page.page.inner_text("h1")
    page.goto("/layers/enterprises")
    page.page.wait_for_function("() => window.geoairLayer && window.geoairLayer.ready")
    assert page.page.evaluate("window.geoairLayer.count") == 3
    assert page.clean(), (page.errors, page.dialogs, page.blocked)


def test_login_is_required_on_a_non_loopback_address(browser, ws_with_ledger):
    UserStore(ws_with_ledger.root).add("wang", "correct horse battery")
    # The configuration geoair serve --host 0.0.0.0 makes, served on loopback for the test.
    running = start_in_thread(ws_with_ledger, WebConfig(host="0.0.0.0", login_required=True))
    page = Page(browser, running.url)
    try:
        page.goto("/work")
        assert page.page.url.startswith(running.url + "/login")
        page.page.fill("input[name=name]", "wang")
        page.page.fill("input[name=password]", "wrong password")
        page.page.click("#ga-login button")
        page.page.wait_for_selector("#ga-login-error")
        page.page.fill("input[name=name]", "wang")
        page.page.fill("input[name=password]", "correct horse battery")
        page.page.click("#ga-login button")
        page.page.wait_for_url(running.url + "/work")
        assert "wang" in page.page.inner_text(".ga-user")
        page.page.click(".ga-user + form button")
        page.page.wait_for_url(running.url + "/login")
        page.goto("/")
        assert page.page.url.startswith(running.url + "/login")
        assert page.clean(), (page.errors, page.dialogs, page.blocked)
    finally:
        page.close()
        running.stop()


# -- on the demo workspace ------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(browser, demo_workspace: tuple, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-browser") / "ws"
    shutil.copytree(demo_workspace[0], folder)
    ws = open_workspace(folder)
    running = start_in_thread(ws)
    yield ws, running
    running.stop()


@pytest.fixture
def demo_page(browser, demo):
    ws, running = demo
    page = Page(browser, running.url)
    yield ws, page
    page.close()


@pytest.mark.slow
def test_run_gate_roads_and_see_the_tables(demo_page):
    ws, page = demo_page
    page.goto("/work")
    step = page.page.locator("#step-gate_roads")
    step.locator("button[type=submit]").click()
    step.locator(".ga-status.state-done").wait_for(timeout=120_000)
    tables = step.locator(".ga-output table")
    assert tables.count() == 3
    counties = tables.nth(0).locator("tbody tr")
    assert counties.count() == 5
    assert "平定县" in tables.nth(0).inner_text()
    assert (
        "厂门100米道路" not in page.page.inner_text(".ga-lacking")
        if page.page.locator(".ga-lacking").count()
        else True
    )
    assert page.clean(), (page.errors, page.dialogs, page.blocked)


@pytest.mark.slow
def test_open_the_map_of_a_month(demo_page):
    ws, page = demo_page
    page.goto("/map")
    # The page opens on the demo's latest map, drawn with OpenStreetMap tiles: offline
    # they are refused (the map falls back to the county outlines and says so).
    first = page.page.locator("#ga-map-frame").element_handle().content_frame()
    first.wait_for_function("() => window.geoair && window.geoair.ready === true", timeout=30_000)
    refused = set(page.blocked)
    assert refused and all(url.startswith("https://tile.openstreetmap.org/") for url in refused)
    page.blocked.clear()
    step = page.page.locator("#step-map")
    step.locator("input[name=month]").fill("2024-03")
    step.locator("select[name=tiles]").select_option("none")
    step.locator("button[type=submit]").click()
    step.locator(".ga-status.state-done").wait_for(timeout=120_000)
    page.page.wait_for_function(
        "document.getElementById('ga-map-frame').src.includes('map-2024-03.html')"
    )
    frame = page.page.locator("#ga-map-frame").element_handle().content_frame()
    frame.wait_for_function("() => window.geoair && window.geoair.ready === true", timeout=30_000)
    assert frame.evaluate("window.geoair.counts.enterprises") == len(ws.read("enterprises"))
    # The map runs sandboxed: no access to the app's cookies (or its API as the user).
    cookie = frame.evaluate(
        "() => { try { return document.cookie; } catch (e) { return 'blocked'; } }"
    )
    assert cookie == "blocked"
    # The new map (no basemap) asked nothing of the network; the only console errors
    # are the refused tiles of the first one.
    assert page.blocked == [] and page.dialogs == []
    assert all(
        "Failed to load resource" in error and any(url in error for url in refused)
        for error in page.errors
    ), page.errors


@pytest.mark.slow
def test_download_a_form(demo_page, tmp_path):
    import openpyxl

    ws, page = demo_page
    page.goto("/downloads")
    step = page.page.locator("#step-forms")
    step.locator("input[name=month]").fill("2024-03")
    step.locator("button[type=submit]").click()
    step.locator(".ga-status.state-done").wait_for(timeout=120_000)
    link = step.locator(".ga-files a", has_text="附件2问题清单")
    with page.page.expect_download() as info:
        link.first.click()
    download = info.value
    assert download.suggested_filename.startswith("附件2问题清单")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    texts = [str(c.value) for row in sheet.iter_rows(max_row=6) for c in row if c.value]
    assert any("问题清单" in t for t in texts)
    assert page.clean(), (page.errors, page.dialogs, page.blocked)
