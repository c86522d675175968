"""Text for ``kit models list`` and ``kit models info``."""

from __future__ import annotations

from kit import paths
from kit.runtime import catalog, models


def _on_disk(entry: catalog.CatalogEntry) -> bool:
    if entry.name == catalog.EMBEDDED:
        try:
            models.embedded_model_path()
            return True
        except Exception:  # noqa: BLE001 - "not installed" is an answer here, not an error
            return False
    return (paths.models_dir() / entry.filename).is_file()


def list_table() -> str:
    """The catalog and added models, one line each, with whether they are on disk."""
    rows = [("NAME", "SIZE", "RAM", "CONTEXT", "ON DISK", "TITLE")]
    for entry in catalog.load_catalog().values():
        rows.append((entry.name, f"{entry.size_bytes / 1e9:.2f} GB", f"{entry.ram_gb:g} GB",
                     f"{entry.context_length:,}", "yes" if _on_disk(entry) else "no", entry.title))
    for name, path in models.added_models().items():
        rows.append((name, "-", "-", "-", "yes" if models.Path(path).is_file() else "MISSING", f"added: {path}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1] for row in rows]
    lines.append(f"\nModels folder: {paths.models_dir()}  (pull one with `kit models pull NAME`)")
    return "\n".join(lines)


def info(name: str) -> str:
    """Every field of one catalog or added model."""
    added = models.added_models()
    if name in added and name not in catalog.load_catalog():
        from kit.runtime import gguf, quantize
        from kit.runtime.quant_types import describe_file_type

        header = gguf.read_header(added[name])
        lines = [f"name: {name}", f"file: {header.path}", f"architecture: {header.architecture}",
                 f"trained context: {header.context_length}", f"size: {header.file_size:,} bytes",
                 f"quantization: {describe_file_type(header.metadata)}"]
        made = {key: header.metadata.get(key) for key in quantize.PROVENANCE_KEYS}
        if made[quantize.FROM_FILE]:
            lines += [f"quantized from: {made[quantize.FROM_FILE]} (sha256 {made[quantize.FROM_SHA256]})",
                      f"quantized as: {made[quantize.TYPE_KEY]} with {made[quantize.MADE_WITH]}"]
        return "\n".join(lines)
    entry = catalog.get_entry(name)
    fields = {
        "name": entry.name, "title": entry.title, "source": entry.repo, "file": entry.filename,
        "size": f"{entry.size_bytes:,} bytes", "sha256": entry.sha256, "licence": entry.licence,
        "context length": f"{entry.context_length:,}", "RAM needed": f"~{entry.ram_gb:g} GB",
        "quantization": entry.quantization, "on disk": "yes" if _on_disk(entry) else "no", "notes": entry.notes,
    }
    return "\n".join(f"{k + ':':<16}{v}" for k, v in fields.items())
