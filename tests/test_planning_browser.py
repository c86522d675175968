"""The planning app as a planning officer sees it: Debian's Chromium, driven by Playwright, against `kit.demo.start`.

Pastes a description and sees the fields with their evidence highlighted and a cited policy finding (the real
model runs in the Voila kernel: the test checks what the kit guarantees, whole evidence marks naming their fields
and the parsers' values, not a particular model answer), then uploads a comments CSV with an empty row and sees
stance, themes and quotes; fails on any request that leaves 127.0.0.1.
"""

from __future__ import annotations

import re
import shutil
from urllib.parse import urlsplit

import pytest
from browser import SECOND, assert_stayed_local, chromium, local_browser  # noqa: F401 (a fixture)
from test_demo import isolated_env

import kit.demo
from kit.planning.view import FIELD_LABELS

pytestmark = pytest.mark.browser

DESCRIPTION = "Erection of four storey building comprising 12 apartments with associated parking"
ADDRESS = "Former Garage Site Atholl Street Peel Isle Of Man IM5 1HG"
COMMENTS = """application,comment_id,text
P1,c1,I object to this. The bar will be open until 1am and the noise will keep us awake.
P1,c2,I support the application. It will bring jobs and visitors to the harbour.
,,
P1,c3,We object: there is no parking on Harbour Road and delivery lorries will block it.
P1,c4,The outdoor heaters and lights will shine into our windows late into the night.
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("planning-browser-home")
    with isolated_env(home), kit.demo.start(log_path=home / "voila.log") as running:
        yield running


def test_an_officer_checks_an_application_and_reads_the_comments_offline(chromium, demo, outputs_dir,  # noqa: F811
                                                                          tmp_path):
    from playwright.sync_api import expect

    comments_csv = tmp_path / "comments.csv"
    comments_csv.write_text(COMMENTS, encoding="utf-8")

    with local_browser(chromium, outputs_dir, viewport={"width": 1280, "height": 1800}) as session:
        page = session.page

        page.goto(demo.url)
        card = page.locator('.kit-app[data-app="planning"]')
        expect(card.locator("a")).to_have_text("Check a planning application")
        card.locator("a").click()

        panel = page.locator(".kit-planning-app")
        description = panel.locator("textarea").first
        description.wait_for(timeout=120 * SECOND)
        expect(page.locator("body")).not_to_contain_text("planning_app(")  # no code shown
        description.fill(DESCRIPTION)
        panel.get_by_placeholder("Address (optional)").fill(ADDRESS)
        panel.get_by_role("button", name="Check application").click()

        fields = panel.locator("table.kit-fields")
        fields.wait_for(timeout=150 * SECOND)
        # The parsers decide these; a model quote overlapping them joins the same mark, never splits it.
        dwellings = panel.locator('mark.kit-evidence[data-fields~="dwellings"]')
        expect(dwellings).to_have_count(1)
        expect(dwellings).to_contain_text("12 apartments")
        expect(panel.locator('mark.kit-evidence[data-fields~="settlement"]')).to_contain_text("Peel")
        expect(fields.locator('tr[data-field="dwellings"] td.kit-value')).to_have_text("12")
        for mark in panel.locator("mark.kit-evidence").all():  # whole words of the text, naming their fields
            text, named = mark.inner_text(), mark.get_attribute("data-fields").split()
            assert named and set(named) <= set(FIELD_LABELS), named
            assert mark.get_attribute("title") == ", ".join(FIELD_LABELS[name] for name in named)
            assert any(re.search(rf"(?<!\w){re.escape(text)}(?!\w)", source) for source in (DESCRIPTION, ADDRESS)), text
        expect(panel).not_to_contain_text("model: no usable answer")  # the model in the kernel answered
        finding = panel.locator('.kit-finding[data-rule="H1-affordable-housing"]')
        expect(finding).to_contain_text("Policy H1, paragraph 5.3")
        expect(finding.locator(".kit-finding-evidence")).to_contain_text("12 apartments")
        expect(panel.locator('.kit-finding[data-rule="D3-height-historic-towns"]')).to_contain_text("Peel")
        session.screenshot("planning-check.png")

        panel.get_by_role("tab", name="Comments").click()
        with page.expect_file_chooser(timeout=30 * SECOND) as chooser:
            panel.get_by_role("button", name=re.compile("Comments CSV")).click()
        chooser.value.set_files(str(comments_csv))
        expect(panel.get_by_role("button", name=re.compile(r"Comments CSV \(1\)"))).to_be_visible()
        panel.get_by_role("button", name="Analyse comments").click()
        themes = panel.locator("table.kit-themes")
        themes.wait_for(timeout=150 * SECOND)
        expect(panel).to_contain_text(re.compile(r"4 comments: most object \([23]\)"))  # c4: the model decides
        expect(panel).to_contain_text("Not analysed: line 4: an empty row")
        expect(themes.locator('tr[data-theme="noise"]')).to_contain_text(
            "The bar will be open until 1am and the noise will keep us awake.")
        expect(themes.locator('tr[data-theme="traffic"]')).to_contain_text("parking")
        assert "Traceback" not in page.locator("body").inner_text()
        session.screenshot("planning-comments.png")

    assert_stayed_local(session)
    assert any(urlsplit(url).path.startswith("/api/kernels/") for url in session.seen), \
        "the page never reached its kernel"
    shutil.copy(demo.log_path, outputs_dir / "planning-voila.log")
