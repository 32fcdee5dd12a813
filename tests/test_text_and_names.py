import pytest

from mapping.gazetteer.names import name_key
from mapping.language.text import sentence_spans, tokenize


@pytest.mark.parametrize("a, b", [
    ("Ţarţūs", "Tartus"), ("Tartous", "Tartus"), ("Al-Qunaytirah", "Qunaytirah"), ("al Qunaytirah", "Qunaytirah"),
    ("Mas‘ade", "Mas'ade"), ("As-Suwayda", "Suwayda"), ("ash-Sham", "Sham"), ("QUNEITRA", "quneitra"),
    ("Deir ez-Zor", "Deir ez Zor"),
])
def test_equivalent_spellings_share_a_key(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize("a, b", [("Tartus", "Tarsus"), ("Hama", "Hamah Street"), ("Asbury", "Bury"), ("Alma", "Ma")])
def test_different_names_keep_different_keys(a, b):
    assert name_key(a) != name_key(b)


def test_tokens_slice_the_text_and_drop_possessives():
    text = "Syria's south — near Al-Qunaytirah, Mas'ade."
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["Syria", "south", "near", "Al", "Qunaytirah", "Mas'ade"]
    assert all(text[t.start:t.end] == t.text for t in tokens)


def test_sentences_respect_abbreviations_and_paragraphs():
    text = "Mr. Al Shara met Putin in Moscow. Then he left\n\nNew paragraph here"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Mr. Al Shara met Putin in Moscow.", "Then he left", "New paragraph here"]
