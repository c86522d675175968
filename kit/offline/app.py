"""The offline assistant app: ask the local guidance, see which tier answered, keep an outbox of incident notes."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from kit import paths
from kit import store as kit_store
from kit.errors import InputError, KitError, ServerError
from kit.model import ChatModel
from kit.offline import view
from kit.widgets import html
from kit.widgets.app import JobApp, resolve_folder, start_app
from kit.widgets.jobs import describe_error

DEFAULT_CORPUS = "datasets/offline/docs"


def _folder_key(folder: Path) -> str:
    return hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:12]


class OfflineAssistantApp(JobApp):
    """Question box, tier banner, answer with citations, and an outbox replayed when the primary is back.

    The primary server, then ``model`` in this process (a name, a loaded model, or None for the default,
    loaded only when first needed), then retrieval only, then the action cards. The index, the cards and
    the outbox live in the kit's folder, so the documents folder may be read-only.
    """

    ACTION = ("Ask", "Answering...")
    BUSY = "A question is being answered; wait for it to finish."

    def __init__(self, primary_url: str | None = None, model: ChatModel | str | None = None,
                 corpus: str = DEFAULT_CORPUS, *, send_url: str | None = None, timeout_s: float = 120.0,
                 failures: int = 2, probe_after_s: float = 15.0, background: bool = True):
        import kit
        from kit.runtime.fallback import fallback, health
        from kit.offline.cards import build_cards, load_cards, save_cards
        from kit.offline.outbox import Outbox

        self._init_job(background=background)  # the model goes to the fallback chain, not to _load_model
        self._health = health
        self.primary_url = primary_url
        self.send_url = send_url
        home = kit_store.private_dir(paths.user_dir() / "offline")  # the outbox and central log hold staff notes
        folder = resolve_folder(corpus)
        local = model if model is not None and not isinstance(model, str) else (lambda: kit.load_model(model))
        self.chain = fallback(primary_url, local, timeout_s=timeout_s, failures=failures,
                              probe_after_s=probe_after_s)
        self.outbox = Outbox(home / "outbox.sqlite")
        self.central_log = home / "central-log.jsonl"
        self.store, self.cards, problem = None, (), ""
        cards_path = home / f"cards-{_folder_key(folder)}.json"
        try:
            from kit.docs import ingest

            self.store = ingest(folder, index_dir=home / f"index-{_folder_key(folder)}")
            self.cards = build_cards(self.store)
            save_cards(self.cards, cards_path)
        except KitError as exc:  # no searchable documents: the saved cards are the last tier
            problem = str(exc)
            try:
                self.cards = load_cards(cards_path)
            except InputError:
                self.cards = ()
        self.answer = None  # the last kit.offline Answer

        self.banner = widgets.HTML(self._first_banner())
        self.question = widgets.Textarea(placeholder="Ask about a downtime procedure, e.g. "
                                         "'How do I log a 999 call on paper?'",
                                         layout=widgets.Layout(width="auto", height="5em"))
        self.ask_button = self.button = widgets.Button(description="Ask", button_style="primary",
                                                       tooltip="Answer from the guidance")
        self.status = widgets.Label()
        self.message = widgets.HTML(html.message(problem, "error") if problem else "")
        self.result = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.note = widgets.Textarea(placeholder="An incident log entry or message to send, e.g. "
                                     "'14:05 lab results line down, runners in place'",
                                     layout=widgets.Layout(width="auto", height="4em"))
        self.record_button = widgets.Button(description="Record in outbox", tooltip="Saved on this computer at once")
        self.send_button = widgets.Button(description="Send waiting entries", tooltip="Send when the primary is back")
        self.outbox_view = widgets.HTML()
        self.outbox_message = widgets.HTML()
        self.ask_button.on_click(lambda _: self.ask())
        self.record_button.on_click(lambda _: self.record())
        self.send_button.on_click(lambda _: self.replay())
        super().__init__([
            widgets.HTML(html.STYLE + view.STYLE), self.banner,
            widgets.HTML(f"<b>Question</b> <span class=\"kit-score\">({len(self.store.documents) if self.store else 0}"
                         f" documents, {len(self.cards)} action cards)</span>"),
            self.question, widgets.HBox([self.ask_button, self.status]), self.message, self.result,
            widgets.HTML("<b>Incident log</b> (kept on this computer until the primary site is back)"),
            self.note, widgets.HBox([self.record_button, self.send_button]), self.outbox_message, self.outbox_view,
        ], layout=widgets.Layout(width="100%"))
        self.add_class("kit-app")
        self.add_class("kit-offline-app")
        self._show_outbox()

    # -- actions ---------------------------------------------------------------------------------------------
    def ask(self, question: str | None = None) -> bool:
        """Answer the question in the box (or ``question``); False when nothing was started."""
        if question is not None:
            self.question.value = question
        return self._start(lambda: self.question.value, self._answer, clear=(self.message, self.result))

    def record(self, text: str | None = None) -> None:
        """Put an incident log entry in the outbox (on disk at once); it is sent by replay()."""
        text = self.note.value if text is None else text
        try:
            if not text.strip():
                raise InputError("The incident log entry is empty. Type what happened, then press Record.")
            stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
            self.outbox.put("incident-log", {"text": text.strip(), "recorded": stamp})
            self.note.value = ""
            self.outbox_message.value = ""
        except Exception as exc:
            self.outbox_message.value = html.message(describe_error(exc), "error")
        self._show_outbox()

    def replay(self) -> int:
        """Send the waiting entries in order if the primary is reachable; how many were sent."""
        sent = 0
        try:
            sent = self.outbox.replay(self._deliver)  # stops at the first entry that cannot be sent
            if self.outbox.last_error:
                self.outbox_message.value = html.message(
                    f"The outbox keeps its entries until the primary site is back ({len(self.outbox)} waiting, "
                    f"{sent} sent just now).", "info")
            else:
                self.outbox_message.value = html.message(f"{sent} sent.", "ok") if sent else ""
        except Exception as exc:
            self.outbox_message.value = html.message(describe_error(exc), "error")
        self._show_outbox()
        return sent

    # -- steps -----------------------------------------------------------------------------------------------
    def _answer(self, question: str) -> None:
        from kit import offline

        self.status.value = "Answering..."
        answer = offline.answer(question, self.store, model=self.chain, cards=self.cards)
        self.answer = answer
        self.banner.value = view.banner_html(answer.tier, tuple(answer.skipped))
        self.result.value = view.answer_html(answer, self.store)
        self.status.value = f"Answered by the {answer.tier} tier in {answer.latency_s:.1f} s."
        if answer.tier == "primary" and len(self.outbox):
            self.replay()

    def _deliver(self, entry: Any) -> None:
        if self.primary_url is None or self._health(self.primary_url) is not None:
            raise ServerError("the primary site cannot be reached yet")
        record = {"key": entry.key, "kind": entry.kind, "payload": entry.payload, "created": entry.created}
        if self.send_url:
            request = urllib.request.Request(self.send_url, data=json.dumps(record).encode("utf-8"),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10):
                pass
        else:  # the demo's stand-in for the central incident system: a local file
            kit_store.append_private(self.central_log, json.dumps(record) + "\n")

    # -- display ---------------------------------------------------------------------------------------------
    def _first_banner(self) -> str:
        if self.primary_url is None:
            return view.banner_html("local", ("No primary server URL was given.",))
        problem = self._health(self.primary_url)
        if problem is None:
            return view.banner_html("primary", note=f"{self.primary_url} is reachable.")
        return view.banner_html("local", (f"primary {self.primary_url}: {problem}",))

    def _show_outbox(self) -> None:
        destination = self.send_url or f"the central log ({self.central_log.name}, a stand-in for this demo)"
        self.outbox_view.value = view.outbox_html(self.outbox.pending(), self.outbox.delivered(), destination)


def offline_assistant_app(primary_url: str | None = None, model: ChatModel | str | None = None,
                          corpus: str = DEFAULT_CORPUS, **options: Any) -> widgets.Widget:
    """The offline assistant for a notebook or a Voila page; a message (not a traceback) if it cannot start.

    Args:
        primary_url: the central llama-server (e.g. http://127.0.0.1:8080); None: this computer only.
        model: the local model's name or path (None: the default model), loaded only when first needed.
        corpus: the folder of guidance documents (.md, .txt, .docx, .pdf).
        **options: send_url, timeout_s, failures, probe_after_s (see :class:`OfflineAssistantApp`).
    """
    return start_app("The offline assistant", lambda: OfflineAssistantApp(primary_url, model, corpus, **options))
