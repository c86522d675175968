"""Reading meeting transcripts (.txt, .vtt, .docx) into numbered lines with speakers, times and a header.

Every line keeps its number in the file (for a .docx, its paragraph number), so each minuted item can
point back at the exact lines it came from. Parsing is deterministic and lenient where nothing is lost:
a .vtt cue with a broken timestamp keeps its text (without a time) and adds a warning; a transcript with
no speaker labels is read line by line with no speakers. Only input with no words in it is refused.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from kit import limits
from kit.admin.minutes.dates import parse_date
from kit.errors import InputError

FORMATS = {".txt": "txt", ".md": "txt", ".vtt": "vtt", ".docx": "docx"}
# Words that look like a speaker label ("Action: ...") but are not people.
NOT_SPEAKERS = frozenset("""action actions action point decision decisions agreed resolved agenda item note notes date
time location venue attendees present apologies absent minutes meeting title re subject chair summary next steps
attendance in attendance also present""".split()) | {"action point", "next steps", "in attendance", "also present"}
HEADER_KEYS = {"meeting": "title", "title": "title", "subject": "title", "date": "date", "attendees": "attendees",
               "present": "attendees", "in attendance": "attendees", "attendance": "attendees",
               "also present": "attendees", "apologies": "apologies", "absent": "apologies", "chair": "chair"}
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_LABEL = re.compile(rf"^\s*(?:\[?(?P<time>{_TIME})\]?\s*[-–]?\s*)?"
                    r"(?P<speaker>[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*){0,3})\s*(?:\((?P<role>[^)]{1,40})\))?\s*:\s+"
                    r"(?P<text>\S.*)$")
_HEADER = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z ]{1,20}?)\s*:\s*(?P<value>.+?)\s*$")
_CUE_TIME = re.compile(rf"^\s*(?P<start>{_TIME})\s*-->\s*(?P<end>{_TIME})(?:\s.*)?$")
_TIMELIKE = re.compile(r"^\s*\d{1,2}:\d[\d:.,\s\->]*$")  # a timing line whose arrow went missing
_VOICE = re.compile(r"^<v(?:\.[\w.]+)?\s+(?P<speaker>[^>]+)>(?P<text>.*?)(?:</v>)?$")
_TAGS = re.compile(r"</?[a-z][^>]*>")


class TranscriptError(InputError):
    """A transcript the kit cannot read: empty, not text, or not a readable .docx."""


@dataclass(frozen=True)
class Line:
    """One line of talk: its number in the file, who spoke (None if unlabelled), when, and what was said."""

    number: int
    speaker: str | None
    text: str
    time: str | None = None
    continued: bool = False  # a wrapped line that carries on the previous speaker's turn


@dataclass(frozen=True)
class Transcript:
    """A meeting transcript as numbered lines, with what its header says about the meeting."""

    name: str
    format: str
    lines: tuple[Line, ...]
    title: str | None = None
    date: dt.date | None = None
    attendees: tuple[str, ...] = ()
    apologies: tuple[str, ...] = ()
    chair: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def speakers(self) -> tuple[str, ...]:
        """Speakers in order of first appearance."""
        return tuple(dict.fromkeys(line.speaker for line in self.lines if line.speaker))

    @property
    def has_speakers(self) -> bool:
        """Whether any line carries a speaker label."""
        return any(line.speaker for line in self.lines)

    def line(self, number: int) -> Line:
        """The line with this number (KeyError if none)."""
        for line in self.lines:
            if line.number == number:
                return line
        raise KeyError(number)

    def render(self, lines: tuple[Line, ...] | None = None) -> str:
        """Lines as ``12| Speaker: text`` (the form the model reads and quotes from)."""
        return "\n".join(render_line(line) for line in (self.lines if lines is None else lines))


def render_line(line: Line) -> str:
    """``12| Speaker: text``, or ``12| text`` for an unlabelled line."""
    who = f"{line.speaker}: " if line.speaker and not line.continued else ""
    return f"{line.number}| {who}{line.text}"


def _names(value: str) -> tuple[str, ...]:
    """"Priya Shah (chair), Tom Reed and Ana Lopes" -> the three names, roles dropped."""
    value = re.sub(r"\([^)]*\)", "", value)
    parts = re.split(r",|;|\band\b|&", value)
    return tuple(dict.fromkeys(p.strip(" .") for p in parts if p.strip(" .")))


def _header(fields: dict, key: str, value: str) -> bool:
    name = HEADER_KEYS.get(key.strip().lower())
    if name is None:
        return False
    if name == "date":
        fields["date"] = parse_date(value) or fields.get("date")
    elif name in ("attendees", "apologies"):
        fields[name] = fields.get(name, ()) + _names(value)
    else:
        fields[name] = value.strip()
    return True


def _talk(numbered: list[tuple[int, str, str | None]], fields: dict, *, carry: bool = False) -> list[Line]:
    """Numbered raw lines (number, text, time) -> Lines; header fields go into ``fields`` until talk starts.

    An unlabelled line carries on the previous speaker's turn when it follows straight on (no blank line
    between), or always when ``carry`` (WebVTT, where a cue names the speaker only when it changes).
    """
    lines: list[Line] = []
    speaker: str | None = None
    in_header = True
    for number, raw, time in numbered:
        text = raw.strip()
        if not text:
            speaker = speaker if carry else None
            continue
        header = _HEADER.match(text)
        if in_header and header and _header(fields, header["key"], header["value"]):
            continue
        if in_header and text.startswith("#"):
            fields.setdefault("title", text.lstrip("# ").strip())
            continue
        label = _LABEL.match(text)
        if label and label["speaker"].strip().lower() not in NOT_SPEAKERS:
            in_header = False
            speaker = label["speaker"].strip()
            lines.append(Line(number, speaker, label["text"].strip(), label["time"] or time))
            continue
        in_header = False
        continued = bool(lines) and speaker is not None
        lines.append(Line(number, speaker if continued else None, text, time, continued))
    return lines


def _finish(name: str, fmt: str, lines: list[Line], fields: dict, warnings: list[str]) -> Transcript:
    if not any(line.text.strip() for line in lines):
        raise TranscriptError(f"The transcript {name!r} holds no lines of talk. Check that it is the right file "
                              "and that it is not empty; export the meeting transcript as .txt, .vtt or .docx.")
    if not any(line.speaker for line in lines):
        warnings.append("No speaker labels were found ('Name: what they said'), so the minutes cannot say who "
                        "said what; owners are taken only from the words themselves (e.g. 'ACTION: Priya to ...').")
    return Transcript(name, fmt, tuple(lines), fields.get("title"), fields.get("date"),
                      tuple(fields.get("attendees", ())), tuple(fields.get("apologies", ())), fields.get("chair"),
                      tuple(warnings))


def parse_text(text: str, name: str = "transcript.txt") -> Transcript:
    """A plain-text transcript (``Name: words`` lines, optional ``[00:01:02]`` times and header lines)."""
    if not isinstance(text, str):
        raise TranscriptError(f"The transcript must be text (str), not {type(text).__name__}.")
    if text.lstrip("\ufeff").lstrip().startswith("WEBVTT"):
        return parse_vtt(text, name)
    fields: dict = {}
    numbered = [(i, raw, None) for i, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1)]
    return _finish(name, "txt", _talk(numbered, fields), fields, [])


def parse_vtt(text: str, name: str = "transcript.vtt") -> Transcript:
    """A WebVTT transcript: cues with times and ``<v Name>`` voices or ``Name:`` labels; NOTE blocks as header."""
    fields: dict = {}
    warnings: list[str] = []
    raw_lines = text.lstrip("\ufeff").splitlines()
    if not raw_lines or not raw_lines[0].strip().startswith("WEBVTT"):
        warnings.append("The file does not start with 'WEBVTT'; it was read as WebVTT anyway.")
    numbered: list[tuple[int, str, str | None]] = []
    blocks: list[list[tuple[int, str]]] = [[]]
    for i, raw in enumerate(raw_lines, start=1):
        if raw.strip():
            blocks[-1].append((i, raw))
        elif blocks[-1]:
            blocks.append([])
    for block in blocks:
        if not block or block[0][1].strip().startswith("WEBVTT"):
            continue
        if block[0][1].strip().startswith(("NOTE", "STYLE", "REGION")):
            for _, raw in block[1:] if block[0][1].strip() in ("NOTE", "STYLE", "REGION") else block:
                header = _HEADER.match(raw.replace("NOTE", "", 1).strip())
                if header:
                    _header(fields, header["key"], header["value"])
            continue
        timing = next((k for k, (_, raw) in enumerate(block[:2]) if "-->" in raw or _TIMELIKE.match(raw)), None)
        time = None
        if timing is None:
            warnings.append(f"Line {block[0][0]}: a cue with no timing line ('00:00:01.000 --> 00:00:04.000'); "
                            "its text was kept, without a time.")
            body = block
        else:
            number, raw = block[timing]
            cue = _CUE_TIME.match(raw)
            if cue is None:
                warnings.append(f"Line {number}: broken timestamp {raw.strip()!r}; the cue's text was kept, without "
                                "a time. Fix the timing line to read like '00:01:02.000 --> 00:01:05.000'.")
            else:
                time = cue["start"].split(".")[0].split(",")[0]
            body = block[timing + 1:]
        for number, raw in body:
            voice = _VOICE.match(raw.strip())
            line = f"{voice['speaker'].strip()}: {voice['text']}" if voice else raw
            numbered.append((number, _TAGS.sub("", line), time))
    lines = _talk(numbered, fields, carry=True)
    return _finish(name, "vtt", lines, fields, warnings)


def parse_docx(data: bytes, name: str = "transcript.docx") -> Transcript:
    """A Word transcript: one paragraph per line (numbered by paragraph), read like plain text."""
    try:
        import docx
    except ImportError:
        raise TranscriptError("python-docx is not installed. Install the kit's dependencies with `make install`.") \
            from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises several kinds for a file that is not a .docx
        raise TranscriptError(f"{name!r} is not a readable Word document. Open it in Word and save it again as "
                              ".docx, or export the transcript as .txt or .vtt.") from None
    numbered = [(i, paragraph.text, None) for i, paragraph in enumerate(document.paragraphs, start=1)]
    fields: dict = {}
    return _finish(name, "docx", _talk(numbered, fields), fields, [])


def read_transcript(source: str | Path | bytes, name: str | None = None) -> Transcript:
    """A transcript from a path, from bytes (with ``name`` giving the format), or from text itself.

    Raises:
        TranscriptError: empty, unreadable, or over ``KIT_MAX_TRANSCRIPT_BYTES`` (checked before reading; see
            ``kit.limits``); a .docx that would unzip to more than ``KIT_MAX_DOCX_INFLATED_BYTES``.
    """
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and len(source) < 500
                                    and Path(source).suffix.lower() in FORMATS and Path(source).is_file()):
        path = Path(source)
        if not path.is_file():
            raise TranscriptError(f"No transcript at {path}. Check the path.")
        _check_size(path.stat().st_size, path.name)
        return read_transcript(path.read_bytes(), name or path.name)
    if isinstance(source, str):
        if not source.strip():
            raise TranscriptError("The transcript is empty. Paste or upload a meeting transcript (.txt, .vtt, .docx).")
        if limits.over("transcript_bytes", len(source)):
            _check_size(len(source.encode("utf-8")), name or "The transcript")
        return parse_text(source, name or "transcript.txt")
    name = name or "transcript.txt"
    _check_size(len(source), name)
    fmt = FORMATS.get(Path(name).suffix.lower())
    if fmt is None:
        raise TranscriptError(f"{name!r} is not a transcript format the kit reads; use .txt, .vtt or .docx.")
    if not source.strip():
        raise TranscriptError(f"The transcript {name!r} is empty (0 bytes of text). Upload the exported transcript.")
    if fmt == "docx":
        try:
            limits.check_docx(source, name)
        except limits.LimitError as exc:
            raise TranscriptError(str(exc)) from None
        return parse_docx(source, name)
    try:
        text = source.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = source.decode("cp1252", errors="replace")  # Windows exports; every byte still becomes a character
    return parse_vtt(text, name) if fmt == "vtt" else parse_text(text, name)


def _check_size(size: int, name: str) -> None:
    """Refuse a transcript over ``KIT_MAX_TRANSCRIPT_BYTES`` before it is parsed."""
    try:
        limits.check("transcript_bytes", size, name, hint="A long meeting's transcript is rarely over 1 MB; "
                     "check that this is the transcript, or split it into parts.")
    except limits.LimitError as exc:
        raise TranscriptError(str(exc)) from None
