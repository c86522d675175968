"""Extract over a DataFrame of applications through kit.map_frame, resumably (a private JSONL store), with progress."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from kit import batch as kit_batch
from kit import privacy
from kit import store as kit_store
from kit.errors import KitError
from kit.model import ChatModel
from kit.planning.extraction.extract import extract
from kit.planning.record import FIELDS, PlanningRecord

_RENAMED = {"application_type": "type_from_text", "postcode": "postcode_from_text"}  # the loader has these columns


def _key(model: ChatModel | None, method: str, row: dict) -> str:
    identity = "parsers" if method == "parsers" else model.info.sha256 if model is not None else "no-model"
    payload = json.dumps([identity, method, row.get("reference"), row.get("description"), row.get("address")])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class _Store:
    """Finished records by key, one JSON line each, appended as they finish to a file only its owner can read."""

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self.lock = threading.Lock()
        self.done: dict[str, dict] = {}
        if self.path and self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    item = json.loads(line)
                    self.done[item["key"]] = item["record"]
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by an interruption is simply redone

    def add(self, key: str, record: dict) -> None:
        """Append one finished record (nothing is written inside ``kit.confidential()``)."""
        if self.path is None or privacy.is_confidential():
            return  # inside kit.confidential() nothing holding text is written to disk
        with self.lock:  # the records quote the applications' text (evidence): the file is private, 0600
            kit_store.append_private(self.path, json.dumps({"key": key, "record": record}, ensure_ascii=False) + "\n")


def extract_frame(model: ChatModel | None, df, *, method: str = "hybrid", store: str | Path | None = None,
                  progress: bool = True, workers: int | None = None):
    """Add extracted columns to a table with ``description`` (and ``address``, ``reference``) columns.

    Adds one column per field (``type_from_text`` and ``postcode_from_text`` for the two the loader already
    has), plus ``evidence`` (JSON), ``method`` (JSON) and ``flags``. With ``store`` (a .jsonl path), finished
    rows are saved as they finish and a rerun skips them (not inside ``kit.confidential()``, where nothing
    holding text is written). A row whose description cannot be read gets a flag saying why, never an
    exception that loses the batch.
    """
    import polars as pl

    if "description" not in df.columns:
        raise KitError(f"extract_frame needs a 'description' column; the table has {', '.join(df.columns)}.")
    saved = _Store(store)
    columns = [c for c in ("reference", "description", "address") if c in df.columns]

    def run(row: dict) -> str:
        key = _key(model, method, row)
        if key in saved.done:
            return json.dumps(saved.done[key])
        try:
            record = extract(model, row.get("description"), row.get("address"), reference=row.get("reference"),
                             method=method)
            out = record.model_dump(exclude={"description", "address"})
        except KitError as exc:
            out = {"flags": [f"error: {exc}"]}
        saved.add(key, out)
        return json.dumps(out)

    done = kit_batch.map_frame(df.select(columns), run, model=model, output="_record", progress=progress,
                               desc=f"extract ({method})", workers=workers)
    records = [json.loads(text) for text in done.get_column("_record")]
    new = {}
    for field in FIELDS:
        dtype = PlanningRecord.model_fields[field].annotation
        values = [r.get(field) for r in records]
        new[_RENAMED.get(field, field)] = pl.Series(values, dtype=_dtype(dtype))
    new["evidence"] = pl.Series([json.dumps(r.get("evidence", {})) for r in records], dtype=pl.Utf8)
    new["method"] = pl.Series([json.dumps(r.get("method", {})) for r in records], dtype=pl.Utf8)
    new["flags"] = pl.Series([r.get("flags", []) for r in records], dtype=pl.List(pl.Utf8))
    return df.with_columns(**new)


def _dtype(annotation):
    import polars as pl

    text = str(annotation)
    if "list" in text:
        return pl.List(pl.Utf8)
    if "bool" in text:
        return pl.Boolean
    if "int" in text:
        return pl.Int64
    return pl.Utf8


def records_from_frame(df) -> list[PlanningRecord]:
    """Rebuild PlanningRecords from an ``extract_frame`` result (for the HTML view and policy checks)."""
    out = []
    for row in df.to_dicts():
        values = {field: row.get(_RENAMED.get(field, field)) for field in FIELDS}
        values["works"] = values["works"] or []
        values["related_references"] = values["related_references"] or []
        values["retrospective"] = bool(values["retrospective"])
        out.append(PlanningRecord(reference=row.get("reference"), description=row.get("description") or "",
                                  address=row.get("address"), **values, evidence=json.loads(row["evidence"]),
                                  method=json.loads(row["method"]), flags=row["flags"] or []))
    return out
