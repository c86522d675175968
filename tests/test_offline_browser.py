"""The offline assistant as duty staff see it: Debian's Chromium, driven by Playwright, against `kit.demo.start`.

A real llama-server is the primary. The test asks a question (green banner), stops the server, asks again
(amber banner: the model inside the app's kernel answers), opens a citation, records an incident note in
the outbox while the primary is down, restarts the primary and sends it; no request may leave 127.0.0.1.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from test_demo import isolated_env
from browser import SECOND, assert_stayed_local, chromium, local_browser  # noqa: F401 (a fixture)
from test_offline_fallback import start_primary

import kit.demo

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.model]

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "notebooks" / "apps" / "offline_assistant.ipynb"


def app_with_primary(folder: Path, url: str) -> Path:
    """The repository's app notebook with its primary_url parameter set, as a deployment would."""
    nb = nbformat.read(APP, as_version=4)
    cell = next(cell for cell in nb.cells if "parameters" in cell.metadata.get("tags", []))
    cell.source, count = re.subn(r'^primary_url: (.*?) = None', rf'primary_url: \1 = "{url}"', cell.source, flags=re.M)
    assert count == 1, cell.source
    folder.mkdir()
    nbformat.write(nb, folder / APP.name)
    return folder


def test_staff_see_the_tier_change_when_the_primary_stops(chromium, outputs_dir, tmp_path):
    from playwright.sync_api import expect

    primary = start_primary(n_ctx=2048)
    port = int(primary.url.rsplit(":", 1)[1])
    restarted = None
    apps = app_with_primary(tmp_path / "apps", primary.url)
    with isolated_env(tmp_path / "home"), kit.demo.start(apps=apps, log_path=tmp_path / "voila.log") as demo, \
            local_browser(chromium, outputs_dir, viewport={"width": 1280, "height": 1600}) as session:
        page = session.page
        try:
            page.goto(demo.app_url("offline_assistant"))
            panel = page.locator(".kit-offline-app")
            question = panel.locator("textarea").first
            question.wait_for(timeout=120 * SECOND)
            expect(page.locator("body")).not_to_contain_text("offline_assistant_app(")  # no code shown
            banner = panel.locator(".kit-banner")
            expect(banner).to_have_attribute("data-tier", "primary")

            # 1. The primary answers: green banner, an answer with citations that open the section text.
            question.fill("How are critical pathology results passed to the ward?")
            panel.get_by_role("button", name="Ask", exact=True).click()
            expect(panel).to_contain_text("Answered by the primary tier", timeout=180 * SECOND)
            expect(panel.locator(".kit-message.kit-error")).to_have_count(0)
            expect(banner).to_have_attribute("data-tier", "primary")
            expect(banner).to_have_class(re.compile("kit-banner-green"))
            citation = panel.locator("details.kit-citation").first
            expect(citation).to_be_visible()
            section_text = citation.locator(".kit-section-text")
            expect(section_text).to_be_hidden()
            citation.locator("summary").click()
            expect(section_text).to_be_visible()
            assert section_text.inner_text().strip()
            session.screenshot("offline-primary.png")

            # 2. Pull the plug: the model in the app's own kernel answers, and the banner says so.
            primary.stop()
            question.fill("What phone do we use when the phones fail?")
            panel.get_by_role("button", name="Ask", exact=True).click()
            expect(panel).to_contain_text("Answered by the local tier", timeout=180 * SECOND)
            expect(banner).to_have_attribute("data-tier", "local")
            expect(banner).to_have_class(re.compile("kit-banner-amber"))
            expect(banner).to_contain_text("primary server cannot be reached")
            expect(panel.get_by_role("button", name="Ask", exact=True)).to_be_enabled()

            # 3. An incident note waits in the outbox while the primary is down...
            note = panel.locator("textarea").nth(1)
            note.fill("14:05 pathology results line down; runners in place")
            panel.get_by_role("button", name="Record in outbox").click()
            outbox = panel.locator(".kit-outbox")
            expect(outbox).to_have_attribute("data-pending", "1")
            panel.get_by_role("button", name="Send waiting entries").click()
            expect(panel.locator(".kit-message.kit-info")).to_contain_text("The outbox keeps its entries")
            expect(outbox).to_have_attribute("data-pending", "1")
            session.screenshot("offline-local.png")

            # ...and is sent once the primary is back.
            restarted = start_primary(port, n_ctx=2048)
            panel.get_by_role("button", name="Send waiting entries").click()
            expect(outbox).to_have_attribute("data-pending", "0")
            expect(outbox).to_contain_text("runners in place")
            session.screenshot("offline-replayed.png")
        finally:
            primary.stop()
            if restarted is not None:
                restarted.stop()
            shutil.copy(demo.log_path, outputs_dir / "offline-voila.log")

    assert_stayed_local(session)
    central = list((tmp_path / "home").glob("offline/central-log.jsonl"))
    assert central and "runners in place" in central[0].read_text(encoding="utf-8")
