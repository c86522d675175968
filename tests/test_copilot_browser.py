"""The copilot app in Debian's Chromium, driven by Playwright against `kit.demo.start`, with the real model.

An advisor asks a question holding a client's details; a supervisor is refused with a wrong passphrase,
signs in with the right one and approves the draft; the advisor then sees the approved answer with the
client's details put back. Any request that leaves 127.0.0.1 fails the test.
"""

from __future__ import annotations

import shutil

import pytest
from test_demo import isolated_env
from browser import SECOND, assert_stayed_local, chromium, local_browser  # noqa: F401 (a fixture)

import kit.demo
from kit.admin import ApprovalQueue

pytestmark = pytest.mark.browser

PASS = "browser test passphrase"
QUESTION = "Mrs Okafor (07700 900123) asks how much the garden waste subscription is."


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("copilot-browser-home")
    queue = ApprovalQueue(home / "copilot" / "queue.sqlite")  # the app's default queue
    queue.add_supervisor("sam", PASS)
    queue.add_supervisor("auditor", "the auditor's passphrase", by=queue.supervisor("sam", PASS))
    with isolated_env(home), kit.demo.start(log_path=home / "voila.log") as running:
        running.home = home
        yield running


def test_an_advisor_asks_a_supervisor_approves_the_advisor_sees_the_answer(chromium, demo, outputs_dir):
    from playwright.sync_api import expect

    with local_browser(chromium, outputs_dir, viewport={"width": 1280, "height": 1400}) as session:
        page = session.page
        page.goto(demo.app_url("copilot"))
        app = page.locator(".kit-copilot-app")
        advisor = app.locator(".kit-copilot-advisor")
        advisor.locator("textarea").wait_for(timeout=120 * SECOND)

        # The advisor asks; the real model drafts in the Voila kernel; nothing is shown until approved.
        advisor.locator("textarea").fill(QUESTION)
        advisor.get_by_role("button", name="Ask").click()
        expect(advisor).to_contain_text("sent to a supervisor for approval", timeout=240 * SECOND)
        row = advisor.locator("table.kit-copilot-items tr[data-item]").first
        expect(row).to_have_attribute("data-status", "pending")
        expect(row).to_contain_text("Okafor")
        session.screenshot("copilot-advisor-asked.png")

        # The supervisor: a wrong passphrase is refused, the right one shows the redacted draft.
        app.get_by_role("tab", name="Supervisor").click()
        supervisor = app.locator(".kit-copilot-supervisor")
        supervisor.locator(".widget-text", has_text="Your name").locator("input").fill("sam")
        supervisor.locator("input[type=password]").fill("not the passphrase")
        supervisor.get_by_role("button", name="Sign in").click()
        expect(supervisor.locator(".kit-error")).to_contain_text("Wrong supervisor passphrase")
        expect(supervisor.get_by_role("button", name="Approve", exact=True)).to_be_hidden()
        supervisor.locator("input[type=password]").fill(PASS)
        supervisor.get_by_role("button", name="Sign in").click()
        expect(supervisor.locator(".kit-error")).to_contain_text("try again in")  # too soon: told, not held up
        page.wait_for_timeout(1100)
        supervisor.locator("input[type=password]").fill(PASS)
        supervisor.get_by_role("button", name="Sign in").click()
        expect(supervisor).to_contain_text("Signed in as sam")
        draft = supervisor.locator(".kit-copilot-draft")
        expect(draft).to_contain_text("[NAME_1]")
        expect(draft).not_to_contain_text("Okafor")
        session.screenshot("copilot-supervisor.png")
        supervisor.get_by_role("button", name="Approve", exact=True).click()
        expect(supervisor).to_contain_text("approve recorded")

        # Back to the advisor: the approved answer, with the client's name put back.
        app.get_by_role("tab", name="Advisor").click()
        advisor.get_by_role("button", name="Refresh answers").click()
        expect(row).to_have_attribute("data-status", "approved")
        expect(row.locator(".kit-copilot-answer")).not_to_be_empty()
        expect(row).to_contain_text("Okafor")
        session.screenshot("copilot-advisor-approved.png")

    assert_stayed_local(session)
    queue = ApprovalQueue(demo.home / "copilot" / "queue.sqlite")
    boss = queue.supervisor("auditor", "the auditor's passphrase")
    assert [r["who"] for r in boss.refusals()] == ["sam"]  # the wrong passphrase was logged
    assert [s.action for s in boss.history()] == ["submitted", "approved"]
    shutil.copy(demo.log_path, outputs_dir / "copilot-voila.log")
