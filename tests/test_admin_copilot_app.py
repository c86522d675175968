"""The copilot app's widgets, driven as a person would (the model scripted: this tests the panel's logic)."""

from __future__ import annotations

import pytest

from conftest import ROOT
from test_admin_copilot import PASS, quoting_model

from kit.admin import ApprovalQueue
from kit.admin.copilot.app import CopilotApp, copilot_app

KB = ROOT / "datasets" / "admin" / "kb"


@pytest.fixture
def app(tmp_path):
    queue_path = tmp_path / "copilot" / "queue.sqlite"
    ApprovalQueue(queue_path).add_supervisor("sam", PASS)
    return CopilotApp(quoting_model(), knowledge_base=KB, queue_path=queue_path, advisor="amy", background=False)


def test_advisor_asks_supervisor_approves_advisor_sees_the_answer(app):
    app.question.value = "Ms Begum (07700 900456) asks how much a second residents' parking permit costs."
    app.ask()
    assert "sent to a supervisor" in app.advisor_message.value and app.question.value == ""
    assert "Waiting for a supervisor" in app.items.value and "Begum" in app.items.value
    app.who.value, app.passphrase.value = "sam", PASS
    assert app.sign_in() and app.passphrase.value == ""
    assert app.pending.value is not None and "[NAME_1]" in app.draft_info.value  # redacted for the supervisor
    assert "Begum" not in app.draft_info.value
    assert app.decide("approve")
    assert "Approved" in app.items.value and "parking" in app.items.value.lower()
    assert "No drafts are waiting" in app.draft_info.value


def test_a_wrong_passphrase_is_refused_on_the_page(app):
    app.who.value, app.passphrase.value = "mallory", "guess guess"
    assert not app.sign_in()
    assert "Wrong supervisor passphrase" in app.supervisor_message.value and "kit-error" in app.supervisor_message.value
    assert app.review.layout.display == "none" and app.passphrase.value == ""
    assert not app.decide("approve")
    app.who.value, app.passphrase.value = "sam", "a guess at sam's"
    assert not app.sign_in() and "next try is allowed in 1 s" in app.supervisor_message.value
    app.who.value, app.passphrase.value = "sam", PASS  # the right one at once: refused without waiting, told how long
    assert not app.sign_in()
    assert "try again in" in app.supervisor_message.value and app.passphrase.value == ""


def test_the_name_recorded_is_the_supervisors_own_not_what_was_typed(app):
    app.question.value = "How much is the garden waste subscription?"
    app.ask()
    app.who.value, app.passphrase.value = "  SAM ", PASS
    assert app.sign_in() and "Signed in as sam." in app.supervisor_message.value
    assert app.decide("approve")
    assert app.queue.supervisor("sam", PASS).history()[-1].who == "sam"


def test_an_empty_question_is_a_message_and_rejection_needs_a_reason(app):
    app.question.value = "   "
    app.ask()
    assert "The question is empty" in app.advisor_message.value and app.ask_button.description == "Ask"
    app.question.value = "How much is the garden waste subscription?"
    app.ask()
    app.who.value, app.passphrase.value = "sam", PASS
    app.sign_in()
    assert not app.decide("reject")
    assert "Say why" in app.supervisor_message.value
    app.comment.value = "Quote the price."
    assert app.decide("reject")
    assert "Not approved: Quote the price." in app.items.value


def test_the_app_explains_a_missing_passphrase_and_an_empty_knowledge_base(tmp_path):
    (tmp_path / "kb").mkdir()
    broken = copilot_app(None, knowledge_base=tmp_path / "kb", queue_path=tmp_path / "q.sqlite")
    assert "cannot start" in broken.value and "no readable articles" in broken.value
    app = CopilotApp(None, knowledge_base=KB, queue_path=tmp_path / "q2.sqlite", background=False)
    app.who.value, app.passphrase.value = "sam", "anything at all"
    assert not app.sign_in() and "No supervisors are set up" in app.supervisor_message.value
    assert ".add_supervisor(" in app.supervisor_message.value
