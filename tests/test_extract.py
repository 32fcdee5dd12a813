import pytest

from mapping import read_report
from mapping.language.extract import extract


def _found(text, gazetteer):
    extraction = extract(read_report(text), gazetteer)
    for m in extraction.mentions:
        assert text[m.start:m.end] == m.text
    return extraction


@pytest.mark.parametrize("text, not_a_place", [
    ("Syria's state news agency Sana reported the move.", "Sana"),
    ("He formerly led the Hayat Tahrir Al Sham rebel group.", "Sham"),
    ("Mr Al Assad now lives abroad.", "Assad"),
    ("The outlet Daraa 24 said residents fled.", "Daraa"),
    ("A spokesman for the Paris Police Department spoke.", "Paris"),
    ("Reporters from Anadolu Agency were there.", "Anadolu"),
])
def test_traps_are_not_mapped(gazetteer, text, not_a_place):
    assert not [m for m in _found(text, gazetteer).mentions if not_a_place in m.text]


def test_metonymy_is_an_actor_not_a_place(gazetteer):
    extraction = _found("The naval base in Tartus, which Moscow is keen to preserve, was visited in Moscow.", gazetteer)
    moscow = [m for m in extraction.mentions if m.text == "Moscow"]
    assert len(moscow) == 1 and moscow[0].start > 50  # only "in Moscow" is a location
    assert any(a.actor == "russia" and a.role == "seat" for a in extraction.actor_mentions)


def test_demonyms_are_actors_not_places(gazetteer):
    extraction = _found("Israeli troops and a Russian delegation met Syrian officials.", gazetteer)
    assert extraction.mentions == ()
    assert [a.actor for a in extraction.actor_mentions] == ["israel", "russia", "syria"]


def test_longest_name_wins_and_lowercase_aliases(gazetteer):
    extraction = _found("Troops reached the buffer zone along the Israeli-occupied Golan Heights.", gazetteer)
    assert [m.text for m in extraction.mentions] == ["buffer zone", "Israeli-occupied Golan Heights"]


def test_hyphenated_pairs_are_two_places(gazetteer):
    assert [m.text for m in _found("The Syria-Russia talks continued.", gazetteer).mentions] == ["Syria", "Russia"]


def test_unknown_place_beside_a_cue_is_kept_unresolved(gazetteer):
    extraction = _found("Troops entered the village of Zzyzxabad on Monday.", gazetteer)
    (m,) = extraction.mentions
    assert m.text == "Zzyzxabad" and m.candidates == () and m.cue == "village"


def test_lowercase_proper_names_are_not_places(gazetteer):
    assert _found("we talked about syria and damascus steel.", gazetteer).mentions == ()
