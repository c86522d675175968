"""The copilot app: an advisor asks, a named supervisor (with their passphrase) approves, the advisor sees it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets as widgets

from kit.admin.copilot import view
from kit.widgets import html
from kit.widgets.app import resolve_folder, start_app
from kit.widgets.jobs import Job, describe_error


def default_queue_path() -> Path:
    """Where the app keeps its approval queue: ``<kit user folder>/copilot/queue.sqlite``."""
    from kit import paths

    return paths.user_dir() / "copilot" / "queue.sqlite"


class CopilotApp(widgets.VBox):
    """Two tabs on one approval queue: Advisor (ask, see approved answers) and Supervisor (sign in, decide).

    ``model`` is a loaded model or a name/path for ``kit.load_model`` (None: the default), loaded on the first
    question. ``background=False`` runs the model in the click handler (for scripts and tests).
    """

    def __init__(self, model: Any = None, *, knowledge_base: str | Path, queue_path: str | Path | None = None,
                 advisor: str = "advisor", background: bool = True):
        from kit.admin.copilot import ApprovalQueue, Copilot
        from kit.admin.copilot import knowledge_base as load_kb

        queue_path = Path(queue_path) if queue_path else default_queue_path()
        self.queue = ApprovalQueue(queue_path)
        store = load_kb(resolve_folder(knowledge_base), index_dir=queue_path.parent / "kb-index")
        self._llm = None if model is None or isinstance(model, str) else model
        self._llm_name = model if isinstance(model, str) else None
        self._background = background
        self.copilot = Copilot(self._llm, store, self.queue, advisor=advisor)
        self.supervisor = None  # set once signed in
        self.job = Job(on_error=lambda text: self._say(self.advisor_message, text, "error"), on_finish=self._done)

        # Advisor tab
        self.question = widgets.Textarea(placeholder="Type the client's question.",
                                         layout=widgets.Layout(width="auto", height="6em"))
        self.ask_button = widgets.Button(description="Ask", button_style="primary")
        self.refresh_button = widgets.Button(description="Refresh answers")
        self.advisor_message = widgets.HTML()
        self.items = widgets.HTML(view.advisor_table(self.copilot.answers()))
        advisor_tab = widgets.VBox([
            widgets.HTML("<p>Answers are drafted from the council's knowledge base and shown here only after a "
                         "supervisor approves them. Client details are hidden from the model.</p>"),
            self.question, widgets.HBox([self.ask_button, self.refresh_button]), self.advisor_message, self.items])
        advisor_tab.add_class("kit-copilot-advisor")

        # Supervisor tab
        self.who = widgets.Text(description="Your name")
        self.passphrase = widgets.Password(description="Passphrase")
        self.sign_in_button = widgets.Button(description="Sign in", button_style="primary")
        self.supervisor_message = widgets.HTML()
        self.pending = widgets.Dropdown(description="Pending", options=[], layout=widgets.Layout(width="auto"))
        self.draft_info = widgets.HTML()
        self.draft = widgets.Textarea(layout=widgets.Layout(width="auto", height="10em"))
        self.comment = widgets.Text(description="Comment", layout=widgets.Layout(width="auto"))
        self.approve_button = widgets.Button(description="Approve", button_style="success")
        self.edit_button = widgets.Button(description="Approve with my edits")
        self.reject_button = widgets.Button(description="Reject", button_style="danger")
        self.review = widgets.VBox([self.pending, self.draft_info, self.draft, self.comment,
                                    widgets.HBox([self.approve_button, self.edit_button, self.reject_button])],
                                   layout=widgets.Layout(display="none"))
        supervisor_tab = widgets.VBox([widgets.HBox([self.who, self.passphrase, self.sign_in_button]),
                                       self.supervisor_message, self.review])
        supervisor_tab.add_class("kit-copilot-supervisor")

        self.tabs = widgets.Tab(children=[advisor_tab, supervisor_tab])
        self.tabs.set_title(0, "Advisor")
        self.tabs.set_title(1, "Supervisor")
        self.ask_button.on_click(lambda _: self.ask())
        self.refresh_button.on_click(lambda _: self.refresh())
        self.sign_in_button.on_click(lambda _: self.sign_in())
        self.pending.observe(lambda _: self._show_draft(), names="value")
        self.approve_button.on_click(lambda _: self.decide("approve"))
        self.edit_button.on_click(lambda _: self.decide("edit"))
        self.reject_button.on_click(lambda _: self.decide("reject"))
        super().__init__([widgets.HTML(html.STYLE), self.tabs], layout=widgets.Layout(width="100%"))
        self.add_class("kit-app")
        self.add_class("kit-copilot-app")

    # -- advisor ---------------------------------------------------------------------------
    def ask(self) -> bool:
        """Send the question: redacted, drafted from the knowledge base, queued for a supervisor."""
        if self.job.busy:
            self._say(self.advisor_message, "A question is already being drafted; wait for it.", "info")
            return False
        question = self.question.value
        self.ask_button.disabled = True
        self.ask_button.description = "Drafting..."
        self._say(self.advisor_message, "Drafting an answer from the knowledge base...", "info")
        return self.job.start(lambda: self._ask(question), background=self._background)

    def _ask(self, question: str) -> None:
        from kit.admin.copilot.copilot import check_question

        check_question(question)  # before loading the model: an empty question is a message at once
        if self.copilot.model is None:
            import kit

            self._say(self.advisor_message, "Loading the language model...", "info")
            self.copilot.model = self._llm = kit.load_model(self._llm_name)
        draft = self.copilot.ask(question)
        self.question.value = ""
        self._say(self.advisor_message, f"Question #{draft.item_id} sent to a supervisor for approval.", "ok")
        self.refresh()

    def refresh(self) -> None:
        """Show this advisor's questions and every answer approved so far."""
        self.items.value = view.advisor_table(self.copilot.answers())

    def _done(self) -> None:
        self.ask_button.disabled = False
        self.ask_button.description = "Ask"

    # -- supervisor ------------------------------------------------------------------------
    def sign_in(self) -> bool:
        """Check the name and passphrase (the library throttles, refuses and logs a wrong one), then show the drafts.

        Nothing here waits: after a wrong passphrase an early try is refused at once with how long to wait.
        """
        if not self.queue.supervisors():
            self.passphrase.value = ""
            self._say(self.supervisor_message, "No supervisors are set up for this queue yet. The owner adds each "
                      f"in a notebook: ApprovalQueue({str(self.queue.path)!r}).add_supervisor('name', "
                      "'their passphrase').", "error")
            return False
        try:
            self.supervisor = self.queue.supervisor(self.who.value, self.passphrase.value)
        except Exception as exc:
            self.supervisor = None
            self.review.layout.display = "none"
            self._say(self.supervisor_message, describe_error(exc), "error")
            return False
        finally:
            self.passphrase.value = ""  # never left in the page
        self._say(self.supervisor_message, f"Signed in as {self.supervisor.who}.", "ok")
        self.review.layout.display = None
        self._load_pending()
        return True

    def _load_pending(self) -> None:
        items = self.supervisor.pending()
        self._pending = {item.id: item for item in items}
        self.pending.options = [(f"#{item.id}: {item.question[:70]}", item.id) for item in items]
        self.pending.value = items[0].id if items else None
        if not items:
            self.draft_info.value = html.message("No drafts are waiting.", "info")
            self.draft.value = ""
        self._show_draft()

    def _show_draft(self) -> None:
        item = getattr(self, "_pending", {}).get(self.pending.value)
        if item is not None:
            self.draft_info.value = view.draft_html(item)
            self.draft.value = item.draft
            self.comment.value = ""

    def decide(self, action: str) -> bool:
        """Approve, approve with edits, or reject the selected draft; a refusal is shown, never lost."""
        if self.supervisor is None or self.pending.value is None:
            self._say(self.supervisor_message, "Sign in and choose a pending draft first.", "error")
            return False
        item_id = self.pending.value
        try:
            if action == "approve":
                self.supervisor.approve(item_id, self.comment.value)
            elif action == "edit":
                self.supervisor.edit(item_id, self.draft.value, self.comment.value)
            else:
                self.supervisor.reject(item_id, self.comment.value)
        except Exception as exc:
            self._say(self.supervisor_message, describe_error(exc), "error")
            self._load_pending()
            return False
        self._say(self.supervisor_message, f"Question #{item_id}: {action} recorded.", "ok")
        self._load_pending()
        self.refresh()
        return True

    @staticmethod
    def _say(area: widgets.HTML, text: str, kind: str) -> None:
        area.value = html.message(text, kind)


def copilot_app(model: Any = None, *, knowledge_base: str | Path, queue_path: str | Path | None = None,
                advisor: str = "advisor") -> widgets.Widget:
    """The copilot app for a notebook or a Voila page; if it cannot start, a message saying why."""
    return start_app("The copilot app",
                     lambda: CopilotApp(model, knowledge_base=knowledge_base, queue_path=queue_path, advisor=advisor))
