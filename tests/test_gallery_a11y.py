"""Accessibility of the demo gallery: axe-core scans of the landing page and every app (no serious or critical
violation), and each app used with the keyboard alone, in Debian's Chromium driven by Playwright.

axe-core comes inside the axe-playwright-python package and is injected into the page; nothing is fetched.
The full axe results are saved as test-outputs/axe-<page>.json and summed up in test-outputs/axe-summary.json.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from browser import (APP_PANELS, SECOND, assert_stayed_local, chromium, local_browser,  # noqa: F401 (a fixture)
                     wait_all_ready)
from test_demo import isolated_env

import kit.demo

pytestmark = [pytest.mark.browser, pytest.mark.server]

REPO_APPS = Path(__file__).resolve().parents[1] / "notebooks" / "apps"
SERIOUS = ("serious", "critical")
BIG_MODEL = "llama-3.2-3b-instruct"  # in the catalog, never downloaded in tests: the landing page says so

# Each app used with the keyboard alone: (what to focus, what to do there) steps, then what must show (a regular
# expression): the app at work for the four that need the model for long, the whole result for the other two.
# A focus target is the start of the focused element's placeholder or label, or "button:" and its exact text.
KEYS = {
    "translate": ([("Paste a letter", "type:Your bin day changes to Thursday."), ("button:Translate", "Enter")],
                  r"Translating\.\.\.|Translating: segment"),
    "triage": ([("Paste an email", "type:The boiler in my flat is broken."), ("button:Triage", "Enter")],
               r"Triaging\.\.\.|Loading the language model"),
    "copilot": ([("Type the client's question", "type:When is council tax due?"), ("button:Ask", "Enter")],
                r"Drafting an answer|Loading the language model"),
    "offline_assistant": ([("Ask about a downtime procedure", "type:How do I record a blood test?"),
                           ("button:Ask", "Enter")], r"Answering\.\.\.|Answered by the"),
    # These two give their whole result without the model: a full keyboard round trip.
    "minutes": ([("Paste a transcript", "type:Alice: We agreed to repaint the hall.\nACTION: Bob to get quotes"),
                 ("Use the language model", "Space"), ("button:Write minutes", "Enter")], r"Done in \d+ s"),
    "planning": ([("Paste the description", "type:Erection of a single storey rear extension."),
                  ("Read with", "ArrowDown"), ("button:Check application", "Enter")], r"Done: \d+ findings"),
}

FOCUSED = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  const label = e.closest('label') ? e.closest('label').innerText : '';
  const described = e.id ? [...document.querySelectorAll('label[for="' + CSS.escape(e.id) + '"]')]
                             .map(l => l.innerText).join(' ') : '';
  if (!e.dataset.kbIndex) e.dataset.kbIndex = String(document.querySelectorAll('[data-kb-index]').length);
  return {index: e.dataset.kbIndex, tag: e.tagName,
          name: [e.getAttribute('placeholder'), e.getAttribute('aria-label'), label, described, e.title,
                 e.tagName === 'SELECT' ? '' : e.innerText].filter(Boolean).join(' | ').slice(0, 120),
          selected: e.tagName === 'SELECT' ? e.options[e.selectedIndex].text : '',
          inApp: !!e.closest('#rendered_cells'), outline: s.outlineStyle, width: parseFloat(s.outlineWidth)};
}"""

CONTROLS = """panel => [...panel.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
  .filter(e => !e.disabled && e.tabIndex >= 0 && e.getClientRects().length > 0
               && getComputedStyle(e).visibility !== 'hidden')
  .map(e => e.dataset.kbIndex || (e.getAttribute('placeholder') || e.innerText || e.tagName).slice(0, 60))"""


def _is(focused: dict, target: str) -> bool:
    """Whether the focused element (as FOCUSED describes it) is the one ``target`` names."""
    parts = [part.strip() for part in focused["name"].split(" | ")]
    if target.startswith("button:"):
        return focused["tag"] == "BUTTON" and target[len("button:"):] in parts
    return any(part.startswith(target) for part in parts)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`kit demo` (preheated) on a copy of the apps plus one that asks for a model that is not downloaded."""
    home = tmp_path_factory.mktemp("a11y-home")
    apps = home / "apps"
    shutil.copytree(REPO_APPS, apps, ignore=shutil.ignore_patterns(".*"))
    nb = json.loads((REPO_APPS / "triage.ipynb").read_text())
    nb["metadata"]["kit"] = {"title": "Triage with a larger model", "description": "The triage app on a 3B model."}
    for cell in nb["cells"]:
        if "parameters" in cell["metadata"].get("tags", []):
            source = "".join(cell["source"])
            cell["source"] = source.replace('model: "Optional[str]" = None', f'model: "Optional[str]" = "{BIG_MODEL}"')
            assert BIG_MODEL in cell["source"]
    (apps / "triage_large.ipynb").write_text(json.dumps(nb))
    with isolated_env(home), kit.demo.start(apps=apps, log_path=home / "voila.log", preheat=True) as running:
        yield running


@pytest.fixture(scope="module")
def scans():
    """Every page's axe violations, by page, filled in by the tests below."""
    return {}


def _scan(page, name: str, scans: dict, outputs_dir: Path) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page).response
    (outputs_dir / f"axe-{name}.json").write_text(json.dumps(response, indent=1))
    scans[name] = response["violations"]
    return [v for v in response["violations"] if v["impact"] in SERIOUS]


def test_the_landing_page_passes_axe_and_says_which_model_is_missing(chromium, demo, scans, outputs_dir):
    with local_browser(chromium, outputs_dir) as session:
        page = session.page
        page.goto(demo.url)
        assert _scan(page, "landing-warming", scans, outputs_dir) == []  # the yellow "Warming up" badges too
        wait_all_ready(page, 300)  # six kernels pre-heating on a busy 2-core machine
        big = page.locator('.kit-app[data-app="triage_large"]')
        assert big.locator(".kit-app-status").get_attribute("data-state") == "missing"
        assert big.locator(".kit-state").inner_text() == "Model missing"
        assert f"kit models pull {BIG_MODEL}" in big.locator(".kit-status-message").inner_text()
        assert big.locator(".kit-model-name").inner_text() == BIG_MODEL
        assert _scan(page, "landing", scans, outputs_dir) == []
        # The keyboard reaches every app link in order, with a visible focus ring.
        page.locator("body").focus()
        titles = page.locator(".kit-app a").all_inner_texts()
        reached = []
        for _ in titles:
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            assert focused["outline"] != "none" and focused["width"] >= 2, focused
            reached.append(focused["name"])
        assert reached == titles
        page.keyboard.press("Enter")  # opens the last app: Triage with a larger model
        page.locator(APP_PANELS["triage"]).wait_for(timeout=240 * SECOND)
    assert_stayed_local(session)


@pytest.mark.parametrize("app", list(APP_PANELS))
def test_each_app_passes_axe_and_works_from_the_keyboard(chromium, demo, scans, outputs_dir, app):
    steps, expected = KEYS[app]
    with local_browser(chromium, outputs_dir, viewport={"width": 1280, "height": 1200}) as session:
        page = session.page
        page.goto(demo.app_url(app))
        panel = page.locator(APP_PANELS[app])
        panel.wait_for(timeout=240 * SECOND)
        serious = _scan(page, app, scans, outputs_dir)
        assert serious == [], [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in serious]

        # Tab once round the page: every control of the app is reached, each with a visible focus ring.
        order = []
        for _ in range(60):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if order and focused["index"] == order[0]["index"]:
                break
            order.append(focused)
        assert order[0]["name"].startswith("← All demo apps"), order[0]
        unringed = [f["name"] for f in order if f["inApp"] and (f["outline"] == "none" or f["width"] < 2)]
        assert unringed == [], f"no visible focus ring on: {unringed}"
        unreached = [c for c in panel.evaluate(CONTROLS) if not c.isdigit()]
        assert unreached == [], f"Tab never reaches: {unreached}"
        positions = [next((i for i, f in enumerate(order) if _is(f, target)), None) for target, _ in steps]
        in_order = None not in positions and positions == sorted(positions)  # input before button: a sensible order
        assert in_order, (steps, [f["name"] for f in order])

        # Use it: Tab to each control in turn and act there, never a mouse click.
        for target, action in steps:
            for _ in range(len(order) + 1):
                if _is(page.evaluate(FOCUSED), target):
                    break
                page.keyboard.press("Tab")
            else:
                pytest.fail(f"Tab never reached {target!r} in {app}")
            if action.startswith("type:"):
                page.keyboard.type(action[len("type:"):])
            else:
                page.keyboard.press(action)
        page.get_by_text(re.compile(expected)).first.wait_for(timeout=60 * SECOND)
        session.screenshot(f"a11y-keyboard-{app}.png")
    assert_stayed_local(session)


def test_summary_of_every_scan(scans, outputs_dir):
    expected = {"landing-warming", "landing", *APP_PANELS}
    assert set(scans) == expected, f"not scanned: {expected - set(scans)}"
    rows = {}
    print(f"\n{'page':<20}{'critical':>9}{'serious':>8}{'moderate':>9}{'minor':>6}  rules")
    for name, violations in scans.items():
        counts = {impact: sum(len(v["nodes"]) for v in violations if v["impact"] == impact)
                  for impact in ("critical", "serious", "moderate", "minor")}
        rules = sorted({v["id"] for v in violations})
        rows[name] = {**counts, "rules": rules}
        print(f"{name:<20}{counts['critical']:>9}{counts['serious']:>8}{counts['moderate']:>9}{counts['minor']:>6}"
              f"  {', '.join(rules) or '-'}")
    (outputs_dir / "axe-summary.json").write_text(json.dumps(rows, indent=1))
    assert all(row["critical"] == row["serious"] == 0 for row in rows.values()), rows
