"""Document structure: parsing text and Markdown into units, splitting long units, .docx round trips."""

from __future__ import annotations

import io

from kit.translate.docx_io import read_docx, write_docx
from kit.translate.evaluate import default_dataset_dir
from kit.translate.inline import SWITCH_BASE, strip_switches
from kit.translate.segments import join_pieces, parse_markdown, parse_text, split_unit

MARKDOWN = """# Council Tax Notice 2025/26

Dear resident,
this letter explains your bill.

## How to pay

1. By Direct Debit.
2. Online at https://www.example.gov.uk/pay.
- a bullet
  - a nested bullet

| Instalment | Amount |
|---|---:|
| 1 | £184.26 |
| Fees \\| charges | none |

> A quoted line.

```
code | stays
```
---
"""


def words(text: str) -> int:
    return len(text.split())


def test_markdown_units_keep_markers_outside():
    layout = parse_markdown(MARKDOWN)
    assert [(u.kind, u.text) for u in layout.units] == [
        ("heading", "Council Tax Notice 2025/26"),
        ("paragraph", "Dear resident,\nthis letter explains your bill."),  # a wrapped line joins its paragraph
        ("heading", "How to pay"),
        ("list_item", "By Direct Debit."),
        ("list_item", "Online at https://www.example.gov.uk/pay."),
        ("list_item", "a bullet"),
        ("list_item", "a nested bullet"),
        ("table_cell", "Instalment"), ("table_cell", "Amount"),
        ("table_cell", "1"), ("table_cell", "£184.26"),
        ("table_cell", "Fees \\| charges"), ("table_cell", "none"),
        ("quote", "A quoted line."),
    ]


def test_rendering_source_units_gives_back_the_document_exactly():
    for path in sorted(default_dataset_dir().glob("doc_*.md")):
        text = path.read_text(encoding="utf-8")
        assert parse_markdown(text).render() == text
        assert parse_text(text).render() == text
    assert parse_markdown(MARKDOWN).render() == MARKDOWN
    assert parse_markdown("no final newline").render() == "no final newline"


def test_rendering_translations_keeps_structure():
    layout = parse_markdown(MARKDOWN)
    out = layout.render([f"<{i}>" for i in range(len(layout.units))])
    assert out.splitlines()[:4] == ["# <0>", "", "<1>", ""]
    assert "1. <3>\n2. <4>\n- <5>\n  - <6>\n" in out
    assert "| <7> | <8> |\n|---|---:|\n| <9> | <10> |\n" in out
    assert "> <13>\n" in out and "```\ncode | stays\n```\n---\n" in out


def test_plain_text_joins_wrapped_lines_and_keeps_address_lines():
    text = ("Dear Mr Jones,\n\nThank you for your\nletter about the bins.\n"
            "27 Maes y Delyn\nSA31 7QK\n- first\n• second\n")
    layout = parse_text(text)
    assert [(u.kind, u.text) for u in layout.units] == [
        ("paragraph", "Dear Mr Jones,"),
        ("paragraph", "Thank you for your\nletter about the bins."),
        ("paragraph", "27 Maes y Delyn"),
        ("paragraph", "SA31 7QK"),
        ("list_item", "first"),
        ("list_item", "second"),
    ]
    assert layout.render() == text


def test_long_unit_is_split_on_sentences_and_reassembled():
    text = " ".join(f"Sentence number {i} is here." for i in range(30))
    pieces = split_unit(0, text, 20, words)
    assert len(pieces) > 1
    assert all(words(p.text) <= 20 for p in pieces)
    assert all(p.text.endswith(".") for p in pieces)
    assert join_pieces(pieces, [p.text for p in pieces]) == text
    assert join_pieces(pieces, [p.text.upper() for p in pieces]) == text.upper()


def test_short_unit_is_one_segment():
    assert [p.text for p in split_unit(3, "How to pay", 20, words)] == ["How to pay"]


def _sample_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Council Tax Notice", level=1)
    paragraph = document.add_paragraph("Your bill is ")
    paragraph.add_run("£1,842.60").bold = True
    paragraph.add_run(" this year.")
    document.add_paragraph("Pay by Direct Debit.", style="List Bullet")
    document.add_paragraph("", style="Normal")
    table = document.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "Due date", (0, 1): "Amount", (1, 0): "01/04/2025", (1, 1): "£184.26"}.items():
        table.cell(r, c).text = text
    document.add_heading("How to pay", level=2)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_units_in_order_with_kinds():
    doc = read_docx(_sample_docx())
    # The bold amount is marked by format switches: format 1 (bold) from here, format 0 (the main one) again.
    assert doc.units[1].text == f"Your bill is {chr(SWITCH_BASE + 1)}£1,842.60{chr(SWITCH_BASE)} this year."
    assert [(u.kind, strip_switches(u.text)) for u in doc.units] == [
        ("heading", "Council Tax Notice"),
        ("paragraph", "Your bill is £1,842.60 this year."),
        ("list_item", "Pay by Direct Debit."),
        ("table_cell", "Due date"), ("table_cell", "Amount"),
        ("table_cell", "01/04/2025"), ("table_cell", "£184.26"),
        ("heading", "How to pay"),
    ]


def test_docx_round_trip_keeps_styles_order_and_cells():
    import docx

    doc = read_docx(_sample_docx())
    translations = [f"T{i} {u.text}" for i, u in enumerate(doc.units)]
    data = write_docx(doc, translations, lang="ar", rtl=True)
    again = docx.Document(io.BytesIO(data))
    styles = [(p.style.name, p.text) for p in again.paragraphs if p.text]
    assert styles == [
        ("Heading 1", "T0 Council Tax Notice"),
        ("Normal", "T1 Your bill is £1,842.60 this year."),
        ("List Bullet", "T2 Pay by Direct Debit."),
        ("Heading 2", "T7 How to pay"),
    ]
    cells = [cell.text for row in again.tables[0].rows for cell in row.cells]
    assert cells == ["T3 Due date", "T4 Amount", "T5 01/04/2025", "T6 £184.26"]
    first = again.paragraphs[1]  # its runs' formats are kept: the amount is still bold
    assert [(r.text, r.bold) for r in first.runs] == [("T1 Your bill is ", None), ("£1,842.60", True),
                                                      (" this year.", None)]
    heading = again.paragraphs[0]
    assert heading.runs[0].text == "T0 Council Tax Notice"  # one format: the text goes into the first run
    assert first._p.pPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}bidi") is not None
    assert again.core_properties.language == "ar"
    assert [(u.kind, u.text) for u in read_docx(data).units] == [(u.kind, t) for u, t in zip(doc.units, translations)]


def test_dataset_docx_matches_its_markdown_units():
    folder = default_dataset_dir()
    doc = read_docx((folder / "doc_school_trip_letter.docx").read_bytes())
    md = parse_markdown((folder / "doc_school_trip_letter.md").read_text(encoding="utf-8"))
    assert [u.text for u in doc.units] == [u.text for u in md.units]
    assert {u.kind for u in doc.units} == {"heading", "paragraph", "list_item", "table_cell"}
