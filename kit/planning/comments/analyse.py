"""Consultation responses: read a comments table, then stance, themes (given or discovered) and verbatim quotes.

``analyse_comments`` reads each comment once. With ``method="hybrid"`` (the default) an explicit cue in the
lexicon ("I object", "I support") settles the stance and a theme's keywords settle the themes, and the
model decides the rest; ``"model"`` and ``"lexicon"`` use one source only (for measuring each). Every
quote is a sentence of its own comment, checked verbatim with kit.grounding; a theme without one is dropped.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from kit.errors import InputError, KitError
from kit.model import ChatModel
from kit.planning.comments import lexicon
from kit.planning.comments import model as comments_model
from kit.planning.comments.lexicon import CATCH_ALL, THEMES, Theme
from kit.planning.comments.result import STANCES, CommentAnalysis, CommentReading, Quote, ThemeSummary

COLUMNS = ("application", "comment_id", "text")
COMMENT_THEMES = THEMES  # the default theme list (traffic, housing, design, heritage, ...)
METHODS = ("hybrid", "model", "lexicon")
MAX_THEMES = 8  # discovered themes kept, largest first
QUOTES_PER_THEME = 3


def read_comments(source: str | Path | bytes, *, name: str | None = None):
    """Read a comments CSV (a path, or the file's bytes) into a polars DataFrame, every row kept.

    Columns ``application, comment_id, text`` (only ``text`` is required; others are kept as they are),
    plus ``line``, the file line each row starts on. UTF-8 is expected; cp1252 (old Excel) is accepted.

    Raises:
        InputError: no ``text`` column (naming the columns expected and found), or an unreadable file.
    """
    import polars as pl

    label = name or (Path(source).name if isinstance(source, (str, Path)) else "the comments file")
    data = source if isinstance(source, bytes) else _read_bytes(Path(source))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[dict[str, Any]] = []
    start = 1
    for row in reader:
        if header is None:
            if any(cell.strip() for cell in row):
                header = [cell.strip().lower().replace(" ", "_") for cell in row]
            start = reader.line_num + 1
            continue
        rows.append({"line": start, **{col: (row[i] if i < len(row) else "") for i, col in enumerate(header)}})
        start = reader.line_num + 1
    if header is None:
        raise InputError(f"{label} is empty. Upload a CSV with the columns {', '.join(COLUMNS)}.")
    if "text" not in header:
        raise InputError(f"{label} has no 'text' column. Expected the columns {', '.join(COLUMNS)}; "
                         f"found {', '.join(repr(c) for c in header) or 'none'}. Rename the column that holds "
                         "the comments to 'text'.")
    columns = ["line", *dict.fromkeys(c for c in header if c)]
    return pl.DataFrame([{c: r.get(c, "") for c in columns} for r in rows],
                        schema={c: (pl.Int64 if c == "line" else pl.Utf8) for c in columns})


def analyse_comments(model: ChatModel | None, comments: Any,
                     themes: Sequence[Theme | str] | dict[str, str] | None = None, *,
                     seed: int | None = None, method: str = "hybrid",
                     progress: Callable[[int, int], None] | None = None,
                     cancel: Callable[[], bool] | None = None) -> CommentAnalysis:
    """Stance and themes for each comment, theme counts with majority and minority views, and verbatim quotes.

    Args:
        model: a loaded model (unused with ``method="lexicon"``; may then be None).
        comments: a DataFrame with ``text`` (and ``application``, ``comment_id``), or a list of strings.
        themes: the themes to sort comments into (Theme objects, names, or name -> description);
            None discovers them from the comments. ``kit.planning.COMMENT_THEMES`` is the kit's list.
        seed: None decodes greedily (reproducible); a number samples with that seed (for stability checks).
        method: "hybrid", "model" or "lexicon".
        progress: called with (done, total) after each comment.
        cancel: asked between model calls (an app's Stop button); once it returns True no more model calls are
            made: the analysis covers the comments whose stance was read, their themes found by the model where it
            got to them and by the lexicon after that (each comment's ``themes_method`` says which), with a note.

    Raises:
        InputError: no comment with text, an unknown method, or a catch-all theme such as "Other".
    """
    if method not in METHODS:
        raise InputError(f"Unknown method {method!r}; use one of {', '.join(METHODS)}.")
    if model is None and method != "lexicon":
        raise InputError("analyse_comments needs a model (kit.load_model()) unless method='lexicon'.")
    items, skipped = _comment_items(comments)
    vocabulary = _themes(themes) if themes is not None else None
    # Two passes, stance then themes, so each pass's long instructions stay in llama.cpp's prefix cache.
    total, steps = 2 * len(items), iter(range(1, 2 * len(items) + 1))

    def tick() -> None:
        if progress is not None:
            progress(next(steps, total), total)

    def stopped() -> bool:
        return cancel is not None and cancel()

    stances = []
    for item in items:
        if stopped():
            break
        stances.append(_stance(model, item["text"], seed, method))
        tick()
    readings, notes = [], []
    for item, (stance, stance_method) in zip(items, stances):
        found, themes_method = _given_themes(model, item["text"], vocabulary, seed,
                                             "lexicon" if stopped() else method)
        readings.append(CommentReading(item["application"], item["comment_id"], item["text"], stance, tuple(found),
                                       stance_method, themes_method, item.get("line")))
        if vocabulary is not None:
            tick()
    if vocabulary is None:
        vocabulary, readings = _discover(model, readings, seed, method, tick, stopped)
    if len(readings) < len(items):
        notes.append(f"Stopped after {len(readings)} of {len(items)} comments: the counts, themes and quotes are "
                     "of those comments only.")
    summaries = _summaries(readings, vocabulary)
    kept = {t.id for t in summaries}
    for theme in vocabulary:
        used = any(theme.id in r.themes for r in readings)
        if used and theme.id not in kept:
            notes.append(f"Theme {theme.name!r} dropped: no comment holding it has a sentence that can be quoted.")
    return CommentAnalysis(tuple(readings), tuple(summaries), themes is None, method, seed, tuple(skipped),
                           tuple(notes))


# -- reading the input -----------------------------------------------------------------------------
def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read the comments file {path}: {exc.strerror or exc}.") from None


def _comment_items(comments: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """(application, comment_id, text, line) dicts for the comments with text; and what was skipped, why."""
    if isinstance(comments, str):
        raise InputError("comments is one string; pass a list of comments or a DataFrame with a 'text' column "
                         "(read a CSV file with kit.planning.read_comments(path)).")
    if hasattr(comments, "columns") and hasattr(comments, "to_dicts"):
        if "text" not in comments.columns:
            raise InputError(f"The comments table has no 'text' column. Expected the columns {', '.join(COLUMNS)}; "
                             f"found {', '.join(comments.columns) or 'none'}.")
        rows = comments.to_dicts()
    elif isinstance(comments, Iterable):
        rows = [{"text": text} for text in comments]
    else:
        raise InputError(f"comments must be a DataFrame or a list of strings, not {type(comments).__name__}.")
    items, skipped, seen = [], [], Counter()
    for number, row in enumerate(rows, start=1):
        where = f"line {row['line']}" if row.get("line") else f"row {number}"
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            blank = not any(str(v or "").strip() for k, v in row.items() if k != "line")
            skipped.append(f"{where}: {'an empty row' if blank else 'the text is empty'} (not analysed)")
            continue
        comment_id = str(row.get("comment_id") or "").strip() or f"row {number}"
        seen[comment_id] += 1
        if seen[comment_id] > 1:  # keep both, told apart
            comment_id = f"{comment_id} ({seen[comment_id]})"
        items.append({"application": str(row.get("application") or "").strip(), "comment_id": comment_id,
                      "text": text.strip(), "line": row.get("line")})
    if not items:
        raise InputError("There are no comments with text to analyse" + (f" ({len(skipped)} empty rows)"
                                                                           if skipped else "") + ".")
    return items, skipped


def _themes(themes: Sequence[Theme | str] | dict[str, str]) -> tuple[Theme, ...]:
    if isinstance(themes, dict):
        given = [Theme(_slug(name), str(name), str(description or "")) for name, description in themes.items()]
    else:
        given = [t if isinstance(t, Theme) else Theme(_slug(str(t)), str(t).strip()) for t in themes]
    if not given:
        raise InputError("The list of themes is empty; give at least one, or None to discover them.")
    for theme in given:
        if theme.name.strip().lower() in CATCH_ALL or theme.id in CATCH_ALL:
            raise InputError(f"The theme {theme.name!r} is a catch-all that would hide what comments say. "
                             "Leave it out: comments that fit no theme are listed in the result's 'unthemed'.")
    return tuple(given)


def _slug(name: str) -> str:
    return "_".join(name.lower().split())


# -- per comment -----------------------------------------------------------------------------------
def _stance(model, text: str, seed, method: str) -> tuple[str, str]:
    """(stance, "lexicon" or "model"): an explicit cue first (hybrid), the model, or the word lists."""
    stance = lexicon.stance(text) if method == "hybrid" else lexicon.lean(text) if method == "lexicon" else None
    if stance is not None:
        return stance, "lexicon"
    stance = _ask(lambda: comments_model.stance(model, text, seed=seed), method)
    return (stance, "model") if stance is not None else (lexicon.lean(text), "lexicon")  # hybrid: the model failed


def _given_themes(model, text: str, vocabulary: tuple[Theme, ...] | None, seed, method: str):
    """(theme ids, how they were found) from the given list: keywords first (hybrid), else the model."""
    if vocabulary is None:
        return [], "none"
    themes = lexicon.themes(text, vocabulary)[:3] if method != "model" else []
    if themes or method == "lexicon":
        return themes, "lexicon"
    answer = _ask(lambda: comments_model.read_themes(model, text, vocabulary, seed=seed), method)
    return (answer, "model") if answer else ([], "none")


def _ask(call: Callable[[], Any], method: str) -> Any:
    """The model's answer; with the hybrid method a failed call is None (the lexicon answers instead)."""
    try:
        return call()
    except KitError:
        if method == "model":
            raise
        return None


# -- themes -----------------------------------------------------------------------------------------
def _summaries(readings: list[CommentReading], vocabulary: tuple[Theme, ...]) -> list[ThemeSummary]:
    summaries = []
    for theme in vocabulary:
        members = [r for r in readings if theme.id in r.themes]
        if not members:
            continue
        quotes = _quotes(theme, members)
        if not quotes:
            continue
        stances = Counter(r.stance for r in members)
        summaries.append(ThemeSummary(theme.id, theme.name, tuple(r.comment_id for r in members),
                                      {s: stances.get(s, 0) for s in STANCES}, tuple(quotes)))
    return sorted(summaries, key=lambda t: -t.count)


def _quotes(theme: Theme, members: list[CommentReading]) -> list[Quote]:
    """Up to three verbatim quotes, one per stance, the majority's first: a comment's best sentence for the theme."""
    candidates = []
    for reading in members:
        sentence = lexicon.best_sentence(theme, reading.text) or lexicon.closest_sentence(theme, reading.text)
        span = lexicon.verified(sentence, reading.text)
        if span is not None:
            hits = lexicon.keyword_hits(theme, span.text)
            candidates.append((hits, reading, span))
    candidates.sort(key=lambda c: -c[0])
    chosen: list[Quote] = []
    for stance in STANCES:  # one quote per view, so a minority view is heard too
        for _, reading, span in candidates:
            if reading.stance == stance:
                chosen.append(Quote(reading.comment_id, stance, span.text, span.start, span.end))
                break
    order = {s: i for i, s in enumerate(sorted(STANCES, key=lambda s: -sum(r.stance == s for r in members)))}
    chosen.sort(key=lambda q: order[q.stance])
    return chosen[:QUOTES_PER_THEME]


def _discover(model, readings: list[CommentReading], seed, method: str, tick: Callable[[], None],
              stopped: Callable[[], bool]):
    """Find themes from topics the model names (or, with the lexicon, content words) shared by 2+ comments.

    Once ``stopped()`` is True the model is asked no more: the remaining comments' content words stand in.
    """
    topics: dict[str, list[str]] = {}
    asked: set[str] = set()
    for reading in readings:
        named = None
        if method != "lexicon" and not stopped():
            named = _ask(lambda: comments_model.topics(model, reading.text, seed=seed), method)
            asked.add(reading.comment_id)
        topics[reading.comment_id] = named or []
        tick()
    keys = {r.comment_id: set(lexicon.content_words(" ".join(topics[r.comment_id]) or r.text)) for r in readings}
    present = {r.comment_id: set(lexicon.content_words(r.text)) for r in readings}
    frequency = Counter(word for words in keys.values() for word in words)
    floor = max(2, len(readings) // 40)
    chosen: list[tuple[str, set[str]]] = []
    covered: set[str] = set()
    for word, count in frequency.most_common():
        if count < floor or len(chosen) >= MAX_THEMES:
            break
        if word in CATCH_ALL or word in lexicon.STOPWORDS:
            continue
        members = {cid for cid, words in keys.items() if word in words}
        if not any(word in present[cid] for cid in members):
            continue  # a topic word no comment uses cannot be quoted
        if len(members - covered) < max(2, len(members) // 2):
            continue  # mostly the same comments as a theme already chosen
        chosen.append((word, members))
        covered |= members
    vocabulary = tuple(Theme(word, _theme_name(word, topics), keywords=(word,)) for word, _ in chosen)
    member_of = {cid: tuple(word for word, members in chosen if cid in members) for cid in keys}
    updated = [CommentReading(r.application, r.comment_id, r.text, r.stance, member_of[r.comment_id], r.stance_method,
                              "model" if r.comment_id in asked else "lexicon", r.line) for r in readings]
    return vocabulary, updated


def _theme_name(word: str, topics: dict[str, list[str]]) -> str:
    phrases = Counter(p.strip().lower() for named in topics.values() for p in named
                      if word in lexicon.content_words(p) and len(p.split()) <= 3)
    name = phrases.most_common(1)[0][0] if phrases else word
    return name[:1].upper() + name[1:]
