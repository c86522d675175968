"""Glossaries: reading CSV, text and dicts, naming malformed lines, and matching terms."""

from __future__ import annotations

import pytest

from kit.translate import load_glossary
from kit.translate.errors import GlossaryError
from kit.translate.evaluate import default_dataset_dir


def test_loads_the_dataset_glossaries():
    for code in ("cy", "fr", "pl", "ur", "ar"):
        glossary = load_glossary(default_dataset_dir() / f"glossary_{code}.csv")
        assert len(glossary) >= 6
        assert "Council Tax" in glossary.to_dict()


def test_loads_csv_text_and_dicts_alike():
    text = load_glossary('source,target\nCouncil Tax,Treth Gyngor\n"Tax, council",Treth\n')
    assert text.to_dict() == {"Council Tax": "Treth Gyngor", "Tax, council": "Treth"}
    assert load_glossary({"Council Tax": "Treth Gyngor"}).to_dict() == {"Council Tax": "Treth Gyngor"}


def test_path_as_string(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("source,target\nbin collection,casgliad biniau\n", encoding="utf-8")
    assert load_glossary(str(path)).to_dict() == {"bin collection": "casgliad biniau"}


@pytest.mark.parametrize(("text", "line"), [
    ("source,target\nCouncil Tax,Treth Gyngor\nHousing Benefit\n", 3),
    ("source,target\na,b\n\nc,d,e\n", 4),
    ("source,target\na,\n", 2),
    ("source,target\nCouncil Tax,x\ncouncil tax,y\n", 3),
    ("term,translation\na,b\n", 1),
])
def test_malformed_line_is_named(text, line):
    with pytest.raises(GlossaryError, match=f"line {line}"):
        load_glossary(text)


def test_missing_file_says_so(tmp_path):
    with pytest.raises(GlossaryError, match="No glossary file"):
        load_glossary(tmp_path / "none.csv")


def test_terms_match_whole_words_in_any_case():
    glossary = load_glossary({"Council Tax": "Treth Gyngor", "bin collection": "casgliad biniau"})
    assert [t.source for t in glossary.applicable("Your council tax bill")] == ["Council Tax"]
    assert glossary.applicable("Council Taxes") == ()
    assert glossary.missing("Pay your Council Tax", "Talwch eich treth gyngor") == ()
    assert [t.source for t in glossary.missing("Pay your Council Tax", "Talwch eich treth")] == ["Council Tax"]


def test_arabic_marks_are_ignored_when_checking():
    glossary = load_glossary({"Council Tax": "ضريبة المجلس"})
    assert glossary.missing("Council Tax", "ادفع ضَريبة المجلس") == ()
