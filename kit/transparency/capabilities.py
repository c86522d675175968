"""Which notebook and which datasets stand behind each capability name ``kit transparency`` accepts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kit.errors import InputError

ROOT = Path(__file__).resolve().parents[2]  # the repository: notebooks/ and datasets/ sit beside kit/


@dataclass(frozen=True)
class Capability:
    """A capability: its notebook (under ``notebooks/``) and the dataset cards it is evaluated on."""

    name: str
    notebook: str
    datasets: tuple[str, ...] = ()  # folders holding a README.md card, relative to the repository
    how: str = ""  # how the tool works (the record's detailed description; the notebook's own words are Tier 1)
    task: str = ""  # what the model is asked to do (ATRS: model task)
    inputs: str = ""  # what goes in (model input)
    outputs: str = ""  # what comes out (model output; the information the tool provides)

    def notebook_path(self, root: Path = ROOT) -> Path:
        """The notebook file."""
        return root / "notebooks" / self.notebook


CAPABILITIES: dict[str, Capability] = {
    "quickstart": Capability(
        "quickstart", "00_quickstart.ipynb",
        how="A GGUF model file is loaded with llama.cpp in the notebook's own process (or reached through a "
            "llama-server that `kit serve` started on the same machine); prompts go to it and every call is written "
            "to the kit's run log.",
        task="General text generation: chat answers, streamed answers, and structured extraction constrained by a "
             "JSON grammar.",
        inputs="A prompt or chat messages (text); for extraction, a short notice and the JSON schema to fill.",
        outputs="Text, or a JSON object that validates against the schema."),
    "translation": Capability(
        "translation", "10_translation.ipynb", ("datasets/translation",),
        how="The document is split by its structure (headings, list items, table cells, paragraphs); numbers, "
            "dates, amounts, references, postcodes, emails and web addresses are replaced by placeholders the model "
            "must keep; the model translates each segment with the glossary's required terms in its prompt; every "
            "segment is then checked offline (placeholders back, glossary terms used, length, back-translation "
            "chrF). A segment that fails a check is flagged for a person; one with no usable translation keeps its "
            "original text and is listed in a review note.",
        task="Machine translation of public-service documents from English (the evaluation: Welsh, French, Polish, "
             "Urdu, Arabic).",
        inputs="A document (plain text, Markdown or Word), the target language and optionally a glossary (CSV).",
        outputs="The translated document with its structure kept; per segment a status (translated, not_translated "
                "with the reason, unchanged), review flags with explanations, and a review note."),
    "planning": Capability(
        "planning", "20_planning.ipynb", ("datasets/planning", "datasets/planning/published"),
        how="Deterministic parsers read each field of an application from its description; with the hybrid or "
            "model method the model proposes values too, and a value is kept only when the words it cites are "
            "found verbatim in the description (where it disagrees with a parser, the parser's value is kept). "
            "Policy checks are rules written as data; consultation comments are sorted by stance and theme by the "
            "model, each application on its own, with verbatim quotes.",
        task="Information extraction from planning application descriptions, policy checks, and stance and theme "
             "classification of consultation comments.",
        inputs="Published lists of planning applications (CSV: reference, description, address, decision) and "
               "consultation comments (text).",
        outputs="A record per application (type, kinds of works, net new dwellings, storeys, retrospective, related "
                "applications, registered building, postcode, settlement), each value with the words it came "
                "from; policy findings citing their rule; stances and themes with quotes; counts and rates."),
    "offline": Capability(
        "offline", "30_offline_fallback.ipynb", ("datasets/offline",),
        how="A search over the sections of a local folder of guidance finds the best sections; the model writes "
            "an answer quoting them; every quote is checked word for word against the section it cites, and the "
            "tool abstains (escalate, with the best matching sentences verbatim) when retrieval is weak or a check "
            "fails. It degrades tier by tier: a central model server, the local model, retrieval only, static "
            "action cards.",
        task="Question answering from local guidance documents, with citations.",
        inputs="A question (text) and a folder of guidance (.md, .txt, .docx, .pdf).",
        outputs="An answer with verbatim quotes and the section each comes from, or an abstention with the best "
                "matching sentences; the tier that answered."),
    "admin": Capability(
        "admin", "40_admin_assistants.ipynb", ("datasets/admin",),
        how="Redaction is rules, no model: patterns checked with the identifiers' own check digits, name lists "
            "and cue words. The copilot redacts an advisor's question, searches a local knowledge base, asks the "
            "model for a short answer with quotes, checks each quote verbatim against its article (else drafts an "
            "escalation with the best matching sentences), and puts the draft in an approval queue: the advisor "
            "sees it only after a supervisor approves or edits it.",
        task="Redaction of UK personal data; drafting answers to advisors' questions from a knowledge base.",
        inputs="Text (case notes, an advisor's question) and a folder of knowledge-base articles.",
        outputs="Redacted text with placeholders; a draft answer with verbatim quotes, or an escalation, waiting "
                "in an approval queue for a supervisor."),
    "minutes": Capability(
        "minutes", "41_admin_minutes.ipynb", ("datasets/admin/minutes",),
        how="Rules read speaker labels, times, attendees, marked actions ('ACTION: ...'), self-assigned actions "
            "and due dates (resolved against the meeting date); the model, through a JSON grammar, writes the "
            "summary and proposes actions nobody marked, each kept only when its quote is found word for word in "
            "the transcript lines it cites. Long transcripts are read in overlapping token-bounded windows.",
        task="Summarising meeting transcripts into minutes: attendees, summary, decisions, actions with owners and "
             "due dates.",
        inputs="A meeting transcript (.txt, .vtt or Word).",
        outputs="Minutes (Markdown or Word) in which every item cites the transcript lines it came from with a "
                "verbatim quote, and the model's items that the check rejected."),
    "triage": Capability(
        "triage", "42_admin_triage.ipynb", ("datasets/admin/triage",),
        how="The model fills category, urgency, team and a reply draft through a JSON grammar that allows only "
            "valid values; a deterministic safeguarding check (phrases, with simple negation) always raises the "
            "urgency to urgent; the language is detected offline; a message that tries to instruct the assistant "
            "is flagged and treated as data. Batches are resumable.",
        task="Classification of correspondence (category, urgency, team) and drafting a reply.",
        inputs="An email or letter (text, .txt or .eml).",
        outputs="Category, urgency, team and a reply draft per message, each field saying whether the model or a "
                "rule set it, with flags (safeguarding words, instructions to the assistant, language)."),
}
ALIASES = {"copilot": "admin", "redaction": "admin", "fallback": "offline"}


def find(target: str, root: Path = ROOT) -> tuple[Capability, Path]:
    """The capability and notebook named by ``target``: a capability name or a notebook path.

    Raises:
        InputError: an unknown name (the message lists the valid ones) or a missing notebook.
    """
    text = str(target).strip()
    if text.endswith(".ipynb") or "/" in text or "\\" in text:
        path = Path(text)
        if not path.is_file():
            raise InputError(f"No notebook at {path}. Give a notebook path or one of: {', '.join(names())}.")
        known = next((c for c in CAPABILITIES.values() if c.notebook == path.name), None)
        return known or Capability(path.stem, path.name), path
    capability = CAPABILITIES.get(ALIASES.get(text.lower(), text.lower()))
    if capability is None:
        raise InputError(f"No capability called {text!r}. Choose one of: {', '.join(names())}, "
                         "or give a notebook path (e.g. notebooks/10_translation.ipynb).")
    path = capability.notebook_path(root)
    if not path.is_file():
        raise InputError(f"The {capability.name} notebook is missing ({path}). Run this from a checkout of "
                         "fellowship-kit, or give the notebook's path.")
    return capability, path


def names() -> list[str]:
    """Every capability name (aliases included), for error messages and ``--help``."""
    return [*CAPABILITIES, *ALIASES]
