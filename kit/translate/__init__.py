"""Secure local translation of documents (text, Markdown, .docx) with checks on every segment.

    from kit.translate import translate, translate_file, load_glossary
    result = translate(model, letter, target="cy", glossary=load_glossary("glossary_cy.csv"))
    result.not_translated      # segments with no usable translation (the document keeps their original)
    result.save("letter.cy.txt")  # ends with a review note listing them, when there are any
"""

from __future__ import annotations

from kit.translate.batch import translate_batch, translate_frame
from kit.translate.evaluate import EvalReport, evaluate
from kit.translate.glossary import Glossary, load_glossary
from kit.translate.languages import languages
from kit.translate.passes import Stage
from kit.translate.prefix import measure_prefix_reuse
from kit.translate.result import SegmentResult, Translation
from kit.translate.translator import translate, translate_bytes, translate_file

__all__ = [
    "EvalReport", "Glossary", "SegmentResult", "Stage", "Translation", "evaluate", "languages", "load_glossary",
    "measure_prefix_reuse", "translate", "translate_batch", "translate_bytes", "translate_file", "translate_frame",
]
