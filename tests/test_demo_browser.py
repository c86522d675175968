"""The demo as a stakeholder sees it: Debian's Chromium, driven by Playwright, against `kit.demo.start`.

Opens the landing page, opens the translation app, translates a short letter into Welsh with the real model
in the Voila kernel, watches the progress of both passes, reads the table (a sentence the model cannot
translate says so; every flag explains itself), downloads the result, and fails on any request that leaves
127.0.0.1.
"""

from __future__ import annotations

import re
import shutil
from urllib.parse import urlsplit

import pytest
from browser import SECOND, assert_stayed_local, chromium, local_browser, require_chromium  # noqa: F401 (a fixture)
from browser import is_local as _is_local
from test_demo import isolated_env

import kit.demo

pytestmark = pytest.mark.browser

LETTER = """Dear Mr Khan,

Thank you for your application. Your reference number is HB-2024-0193.

Your bin collection day will change to Thursday from 5 January. Reference BC-7781.

Yours sincerely,
Housing Benefit Team"""

# The embedded model answers this sentence into Welsh with nothing (issue 7): the table must say so.
NOT_TRANSLATED = "Your bin collection day will change to Thursday from 5 January. Reference BC-7781."


def test_a_missing_chromium_fails_loudly_unless_skipping_is_asked_for(tmp_path):
    missing = tmp_path / "chromium"
    with pytest.raises(pytest.fail.Exception, match="sudo apt-get install chromium"):
        require_chromium(missing, skip_env="")
    with pytest.raises(pytest.skip.Exception, match="KIT_SKIP_BROWSER=1"):
        require_chromium(missing, skip_env="1")
    missing.touch()
    assert require_chromium(missing, skip_env="1") == missing  # present: it runs, whatever the variable says


def test_only_this_computer_counts_as_local():
    assert _is_local("http://127.0.0.1:8866/voila/render/translate.ipynb") and _is_local("ws://localhost:1/api")
    assert _is_local("data:image/png;base64,AAAA") and _is_local("about:blank")
    assert not _is_local("https://cdn.jsdelivr.net/npm/x.js") and not _is_local("http://10.0.0.2:8866/")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("browser-home")
    with isolated_env(home), kit.demo.start(log_path=home / "voila.log") as running:
        yield running


def test_a_stakeholder_translates_a_letter_offline(chromium, demo, outputs_dir, tmp_path):
    from playwright.sync_api import expect

    with local_browser(chromium, outputs_dir, accept_downloads=True,
                       viewport={"width": 1280, "height": 1800}) as session:
        page = session.page

        # The landing page lists the app with its description.
        page.goto(demo.url)
        app = page.locator('.kit-app[data-app="translate"]')
        expect(app.locator("a")).to_have_text("Translate a letter")
        expect(app.locator(".kit-app-description")).to_contain_text("see which parts a person should check")
        session.screenshot("demo-landing.png")

        # The app: Voila runs the notebook, then the widgets appear.
        app.locator("a").click()
        panel = page.locator(".kit-translate-app")
        panel.locator("textarea").wait_for(timeout=120 * SECOND)
        expect(page.locator("body")).not_to_contain_text("translate_app(")  # no code shown
        panel.locator("textarea").fill(LETTER)
        panel.locator(".widget-dropdown", has_text="Into").locator("select").select_option(label="Welsh")
        # Record every progress label the page shows, however briefly.
        page.evaluate("""() => {
            window.kitProgress = [];
            new MutationObserver(() => {
                const match = document.body.innerText.match(/[A-Za-z ]+: segment \\d+ of \\d+ \\(pass \\d of \\d\\)/);
                if (match && !window.kitProgress.includes(match[0])) window.kitProgress.push(match[0]);
            }).observe(document.body, {subtree: true, childList: true, characterData: true});
        }""")
        panel.get_by_role("button", name="Translate", exact=True).click()

        busy = panel.get_by_role("button", name="Translating...")
        expect(busy).to_be_disabled(timeout=30 * SECOND)
        expect(panel.locator(".widget-hprogress, .widget-progress").first).to_be_visible()
        expect(panel).to_contain_text(re.compile(r"segment \d+ of \d+"), timeout=150 * SECOND)

        table = panel.locator("table.kit-segments")
        table.wait_for(timeout=150 * SECOND)
        expect(panel.get_by_role("button", name="Translate", exact=True)).to_be_enabled()
        progress = page.evaluate("window.kitProgress")
        assert any("Translating: segment" in label and "(pass 1 of 2)" in label for label in progress), progress
        assert any("Checking by translating back: segment" in label and "(pass 2 of 2)" in label
                   for label in progress), progress

        translations = table.locator("td.kit-translation")
        assert translations.count() >= 5
        assert table.locator("td.kit-flags").count() == translations.count()
        expect(table.locator("td.kit-source").first).to_contain_text("Dear Mr Khan")
        expect(table).to_contain_text("HB-2024-0193")
        real = table.locator("td.kit-translation:not(.kit-not-translated)")
        assert real.count() >= 1 and any(text.strip() for text in real.all_inner_texts())
        assert real.first.get_attribute("lang") == "cy"
        assert real.first.get_attribute("dir") == "ltr"  # (right-to-left: test_translate_app)

        # The sentence the model left empty: said plainly, not shown as if it were Welsh.
        row = table.locator("tr", has=page.locator("td.kit-source", has_text=NOT_TRANSLATED))
        cell = row.locator("td.kit-translation")
        expect(cell).to_contain_text("Not translated — original kept")
        expect(cell).to_contain_text("The model gave no answer.")
        expect(cell).not_to_contain_text("Reference BC-7781")
        checks = row.locator("td.kit-flags")
        expect(checks.locator(".kit-flag")).to_have_text(["not translated"])  # no "missing 5" about shown text
        assert "the original is kept" in checks.locator(".kit-flag").get_attribute("title")
        # Every flag explains itself: a hover title, and a note that opens on a click.
        for flag in table.locator(".kit-flag").all():
            assert (flag.get_attribute("title") or "").strip(), flag.inner_text()
        note = checks.locator("details.kit-flag-details")
        expect(note.locator("li")).not_to_be_visible()
        note.locator("summary").click()
        expect(note.locator("li")).to_be_visible()
        expect(note).to_contain_text("no usable translation of this segment")
        expect(panel.locator(".kit-message").first).to_contain_text(
            re.compile(r"\d+ of \d+ segments? needs? review"))
        expect(panel.locator(".kit-message").first).to_contain_text("not translated")
        session.screenshot("demo-translate.png")

        with page.expect_download(timeout=30 * SECOND) as download_info:
            panel.locator("a.kit-download").click()
        download = download_info.value
        assert download.suggested_filename == "translation.cy.txt"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        text = saved.read_bytes().decode("utf-8")
        assert text.strip(), "the downloaded translation is empty"
        # The original is kept where the translation failed, and listed for review at the end.
        body, _, review = text.partition("Translation review (remove this section before sending)")
        assert NOT_TRANSLATED in body and f"“{NOT_TRANSLATED}” — The model gave no answer." in review

    assert_stayed_local(session)
    kernels = [url for url in session.seen if urlsplit(url).path.startswith("/api/kernels/")]
    assert kernels, "the page never reached its kernel"
    shutil.copy(demo.log_path, outputs_dir / "demo-voila.log")
