"""The offline assistant's widgets in-process, with the real embedded model: tiers, citations, the outbox, bad input."""

from __future__ import annotations

import html
import shutil
import socket
from pathlib import Path

import pytest

from kit.offline import view as offline_view
from kit.offline.app import OfflineAssistantApp, offline_assistant_app

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def corpus(tmp_path):
    """A copy of the project's synthetic guidance (so a test may move it away)."""
    return Path(shutil.copytree(ROOT / "datasets" / "offline" / "docs", tmp_path / "docs"))


def dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_dead_primary_gives_an_amber_banner_and_a_local_answer_with_citations(model, corpus):
    app = OfflineAssistantApp(dead_url(), model, str(corpus), background=False)
    assert 'data-tier="local"' in app.banner.value and "health check failed" in app.banner.value
    assert app.ask("What phone do we use when the phones fail?")
    answer = app.answer
    assert answer.tier == "local" and "health check failed" in answer.skipped[0]
    assert 'data-tier="local"' in app.banner.value and "kit-banner-amber" in app.banner.value
    assert "Answered by the local tier" in app.status.value
    assert answer.citations and '<details class="kit-citation"' in app.result.value
    section = app.store.section(answer.citations[0].section_id)
    assert html.escape(section.text) in app.result.value  # the section text is in the page, behind a click
    assert app.ask_button.description == "Ask" and not app.ask_button.disabled


def test_the_outbox_keeps_entries_until_the_primary_is_back(model, corpus):
    app = OfflineAssistantApp(dead_url(), model, str(corpus), background=False)
    app.record("   ")
    assert "incident log entry is empty" in app.outbox_message.value
    app.record("09:10 phones down on ward 7")
    assert len(app.outbox) == 1 and 'data-pending="1"' in app.outbox_view.value
    assert app.replay() == 0
    assert "keeps its entries" in app.outbox_message.value and len(app.outbox) == 1
    assert not app.central_log.exists()


def test_empty_and_huge_questions_are_messages_not_tracebacks(model, corpus):
    app = OfflineAssistantApp(None, model, str(corpus), background=False)
    app.ask("")
    assert "kit-error" in app.message.value and "Traceback" not in app.message.value
    app.ask("phones " * 10_000)  # 70,000 characters
    assert "kit-error" in app.message.value and "Traceback" not in app.message.value
    assert app.answer is None


def test_bad_settings_show_a_message_instead_of_the_app(tmp_path):
    app = offline_assistant_app("localhost-8080", None, str(tmp_path))
    assert "cannot start" in app.value and "is not a URL" in app.value


def test_a_missing_documents_folder_falls_back_to_saved_cards(model, corpus, tmp_path):
    first = OfflineAssistantApp(None, model, str(corpus), background=False)
    assert first.cards
    moved = corpus.rename(tmp_path / "elsewhere")
    app = OfflineAssistantApp(None, model, str(corpus), background=False)
    assert app.store is None and "kit-error" in app.message.value
    assert app.cards == first.cards  # the cards saved last time
    app.ask("The phones fail: which phone do I use?")
    assert app.answer.tier == "cards" and 'data-tier="cards"' in app.banner.value
    assert app.answer.citations[0].document == "telephony-failure.md"
    assert html.escape(app.answer.quotes[0].text) in app.result.value
    assert moved.exists()


def test_banner_colours_follow_the_tier():
    assert "kit-banner-green" in offline_view.banner_html("primary")
    assert "kit-banner-amber" in offline_view.banner_html("local", ("primary: refused",))
    assert "kit-banner-red" in offline_view.banner_html("retrieval") and "kit-banner-red" in offline_view.banner_html(
        "cards")
    assert "&lt;b&gt;" in offline_view.banner_html("local", ("<b>",))
