"""The kit compare report in a real Chromium at 1280 px: no table or picture wider than the page."""

from __future__ import annotations

from browser import assert_stayed_local, chromium, local_browser  # noqa: F401 (a fixture)
from test_compare import busy_grid

from kit.comparison import report, table

WIDTH = 1280


def test_the_report_is_readable_at_1280_px(chromium, outputs_dir, tmp_path):  # noqa: F811 - the fixture
    runs = busy_grid(tmp_path, 9)
    page_path = report.write_html(table.wide_table(runs, tmp_path), table.long_table(runs, tmp_path),
                                  tmp_path / "report.html", timing="Runs ran one at a time.")
    with local_browser(chromium, outputs_dir, viewport={"width": WIDTH, "height": 900}) as session:
        session.page.set_content(page_path.read_text(encoding="utf-8"), wait_until="load")
        widths = session.page.evaluate("""() => ({
            page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
            tables: [...document.querySelectorAll('table')].map(t => [t.scrollWidth, t.clientWidth,
                     t.getBoundingClientRect().right]),
            images: [...document.querySelectorAll('img')].map(i => [i.complete && i.naturalWidth > 0,
                     i.getBoundingClientRect().right]),
        })""")
        session.screenshot("compare-report-1280.png")
        assert_stayed_local(session)
    scroll, client = widths["page"]
    assert scroll <= client <= WIDTH, widths["page"]  # no sideways scrolling
    assert len(widths["tables"]) == 4 and len(widths["images"]) == 2  # runs, 3 figure tables; quality and cost
    for scroll_width, client_width, right in widths["tables"]:
        assert scroll_width <= client_width and right <= client, widths["tables"]
    for loaded, right in widths["images"]:
        assert loaded and right <= client, widths["images"]
