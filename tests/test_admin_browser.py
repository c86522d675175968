"""The minutes and triage apps as staff see them: Debian's Chromium, driven by Playwright, against `kit.demo.start`.

Uploads a reference transcript and downloads its minutes (.docx and .md); pastes an email with a
safeguarding phrase and sees urgency raised; both with the real model in the Voila kernels. No request may
leave 127.0.0.1.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from test_demo import isolated_env
from browser import SECOND, assert_stayed_local, chromium, local_browser  # noqa: F401 (a fixture)

import kit.demo

pytestmark = [pytest.mark.browser, pytest.mark.model]

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "notebooks" / "apps"
TRANSCRIPT = ROOT / "datasets" / "admin" / "minutes" / "transcripts" / "m08_parking.txt"
EMAIL = ("Dear Council,\n\nMy bin has not been collected for a month. Since my wife died I don't want to live, "
         "and nobody is looking after me now.\n\nA resident of Elm Road")


def test_minutes_and_triage_apps_in_a_browser(chromium, outputs_dir, tmp_path):
    from docx import Document
    from playwright.sync_api import expect

    apps = tmp_path / "apps"
    apps.mkdir()
    for name in ("minutes.ipynb", "triage.ipynb"):
        shutil.copy(APPS / name, apps / name)
    with isolated_env(tmp_path / "home"), kit.demo.start(apps=apps, log_path=tmp_path / "voila.log") as demo, \
            local_browser(chromium, outputs_dir, accept_downloads=True,
                          viewport={"width": 1280, "height": 1600}) as session:
        page = session.page
        try:
            # Minutes: upload a transcript, see the minutes, download them.
            page.goto(demo.app_url("minutes"))
            panel = page.locator(".kit-minutes-app")
            panel.locator("textarea").wait_for(timeout=120 * SECOND)
            expect(page.locator("body")).not_to_contain_text("minutes_app(")  # no code shown
            with page.expect_file_chooser(timeout=30 * SECOND) as chooser:
                panel.get_by_role("button", name=re.compile("Upload a transcript")).click()
            chooser.value.set_files(str(TRANSCRIPT))
            expect(panel).to_contain_text("Using the transcript m08_parking.txt")
            panel.get_by_role("button", name="Write minutes", exact=True).click()
            actions = panel.locator("table.kit-actions")
            actions.wait_for(timeout=300 * SECOND)  # the model reads the transcript: minutes on a busy 2-core machine
            expect(panel.get_by_role("button", name="Write minutes", exact=True)).to_be_enabled()
            expect(panel.locator(".kit-message.kit-error")).to_have_count(0)
            # The rule-found action of line 7 keeps its owner, whatever the model proposes beside it.
            timeout_row = actions.locator("tr.kit-action", has_text="log the form timeout")
            expect(timeout_row.locator("td.kit-owner")).to_have_text("Imran Hussain")
            expect(actions).to_contain_text("Bethan Rees")
            expect(actions).to_contain_text("line 10:")
            expect(panel.locator(".kit-minutes")).to_contain_text("Alan Fraser, Bethan Rees, Imran Hussain")
            session.screenshot("admin-minutes.png")
            with page.expect_download(timeout=30 * SECOND) as info:
                panel.locator("a.kit-download", has_text=".docx").click()
            assert info.value.suggested_filename == "m08_parking.minutes.docx"
            saved = tmp_path / "minutes.docx"
            info.value.save_as(saved)
            doc = Document(io.BytesIO(saved.read_bytes()))
            assert doc.paragraphs[0].text == "Minutes: Parking permit scheme review"
            with page.expect_download(timeout=30 * SECOND) as info:
                panel.locator("a.kit-download", has_text=".md").click()
            md = tmp_path / "minutes.md"
            info.value.save_as(md)
            assert "| Bethan Rees | Wed 08 Oct 2025 |" in md.read_text(encoding="utf-8")

            # Triage: paste an email with a safeguarding phrase; urgency is raised, whatever the model said.
            page.goto(demo.app_url("triage"))
            panel = page.locator(".kit-triage-app")
            panel.locator("textarea").wait_for(timeout=120 * SECOND)
            panel.locator("textarea").fill(EMAIL)
            panel.get_by_role("button", name="Triage", exact=True).click()
            item = panel.locator(".kit-triage-item")
            item.wait_for(timeout=150 * SECOND)
            expect(item).to_have_attribute("data-safeguarding", "true")
            expect(item).to_have_attribute("data-urgency", "urgent")
            expect(item.locator(".kit-safeguarding")).to_contain_text("Urgency raised to urgent")
            expect(item.locator(".kit-safeguarding")).to_contain_text("want to live")
            expect(item.locator('td[data-field="urgency"]')).to_have_text("urgent")
            expect(item).to_contain_text("decided by: rule: safeguarding")
            expect(item.locator(".kit-draft")).not_to_be_empty()
            expect(panel).to_contain_text(re.compile(r"Done: 1 item\(s\), 1 with safeguarding words"))
            session.screenshot("admin-triage.png")
        finally:
            shutil.copy(demo.log_path, outputs_dir / "admin-voila.log")

    assert_stayed_local(session)
    assert any("/api/kernels/" in url for url in session.seen), "the pages never reached their kernels"
