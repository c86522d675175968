"""Helpers (no tests here) for the kit.docs tests: small folders of Markdown, text, .docx and a hand-written PDF."""

from __future__ import annotations

from pathlib import Path

WARD_MD = """# Ward IT downtime

Synthetic example, not clinical guidance.

## First hour

Switch to **paper** forms. Tell the nurse in charge.

- Print the downtime pack
- Use the red folder

## Blood results

Phone the pathology lab on extension 4321 for urgent blood results.
"""

PATHOLOGY_TXT = """PATHOLOGY DOWNTIME

Synthetic example, not clinical guidance.

Sending samples

When the laboratory system fails, send samples with paper request forms.

Urgent samples

Label urgent samples with a red sticker and phone the laboratory.
"""


def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF (Helvetica, one text line each) written by hand, so the tests need no PDF writer."""
    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 11 Tf", "72 760 Td", "14 TL"] + [f"({escape(line)}) Tj T*" for line in lines] + ["ET"]
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def docx_bytes() -> bytes:
    """A .docx with a title, a heading, a paragraph, a list and a table."""
    import io

    import docx

    document = docx.Document()
    document.add_heading("Power failure", level=0)
    document.add_paragraph("Synthetic example, not clinical guidance.")
    document.add_heading("Generators", level=1)
    document.add_paragraph("The generator starts within 15 seconds of a mains failure.")
    document.add_paragraph("Check the theatre lights", style="List Bullet")
    document.add_paragraph("Check the ventilators", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Area", "Contact"
    table.cell(1, 0).text, table.cell(1, 1).text = "Estates", "bleep 555"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


PDF_LINES = ["Major incident cascade", "Synthetic example, not clinical guidance.", "Declaring an incident",
             "The site manager declares a major incident and starts the call cascade.",
             "Each ward lead phones two colleagues from the cascade list."]


def make_folder(root: Path) -> Path:
    """A folder with one document of each kind (Markdown, text, .docx, PDF)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "ward.md").write_text(WARD_MD, encoding="utf-8")
    (root / "pathology.txt").write_text(PATHOLOGY_TXT, encoding="utf-8")
    (root / "power.docx").write_bytes(docx_bytes())
    (root / "cascade.pdf").write_bytes(pdf_bytes(PDF_LINES))
    return root
