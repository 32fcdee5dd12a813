"""The fast paths of recognition and ranking give the answers of the plain computations they replace.

Throughput work (issues 12 and 15) replaced some computations by cheaper equivalents: word lists
compiled to a prefix tree, the ranker's context part summed without dictionaries, look-ups kept per
gazetteer. Each is checked here against the plain form, on random inputs where that is cheap.
"""

import random
import re

import pytest
from shapely.geometry import Point

from mapping.language.extract import candidates
from mapping.gazetteer import Gazetteer, Place
from mapping.resolution.ranking import Candidates, Context, Cooccurrence, _context_scores, context_features
from mapping.language.report import Report
from mapping.language.text import alternation, sentence_spans


@pytest.mark.parametrize("seed", range(5))
def test_prefix_tree_matches_like_the_longest_first_list(seed):
    rng = random.Random(seed)
    for _ in range(200):
        words = {"".join(rng.choice("ab .-") for _ in range(rng.randint(1, 5))) for _ in range(rng.randint(1, 9))}
        text = "".join(rng.choice("ab .-c") for _ in range(80))
        flat = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        for before, after in (("", ""), (r"(?<![\w-])", r"(?![\w-])")):
            expected = [(m.span(), m.group()) for m in re.finditer(f"{before}(?:{flat}){after}", text)]
            got = [(m.span(), m.group()) for m in re.finditer(f"{before}(?:{alternation(words)}){after}", text)]
            assert got == expected, (sorted(words), text)


def test_empty_word_list_matches_nothing():
    assert re.search(alternation([]), "anything") is None


def _place(i, lon, lat, country, admin1, kind="city", population=1000):
    return Place(f"t:{i}", f"Name{i}", kind, Point(lon, lat), country=country, admin1=admin1, population=population,
                 pack="test")


@pytest.mark.parametrize("seed", range(5))
def test_context_scores_equal_the_weighted_context_features(seed):
    rng = random.Random(seed)
    places = [_place(i, rng.uniform(-20, 60), rng.uniform(-30, 60), rng.choice(["SY", "LB", "UA", None]),
                     rng.choice(["01", "02", None]), kind=rng.choice(["city", "country", "village", "admin_area"]))
              for i in range(30)]
    weights = {"ctx_country": 1.3, "ctx_country_top": 0.2, "ctx_empty": -0.4, "ctx_admin1": 2.1, "near_log": -0.5,
               "near<50": 0.6, "near<250": 0.4, "far>1500": -0.7, "no_anchors": 0.1}
    for _ in range(20):
        context = Context()
        for _ in range(rng.randint(0, 6)):
            context.add({"countries": {rng.choice(["SY", "LB", "UA"]): rng.random()},
                         "admin1": {(rng.choice(["SY", "LB"]), rng.choice(["01", "02"])): rng.random()},
                         "anchors": {(rng.uniform(-20, 60), rng.uniform(-30, 60)): rng.random()} if rng.random() < 0.7 else {},
                         "weight": rng.random()})
        top = context.top_country()
        expected = [sum(weights.get(name, 0.0) * value for name, value in context_features(p, context, top).items())
                    for p in places]
        assert _context_scores(places, context, weights) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_ranking_with_shared_templates_equals_ranking_from_the_features():
    places = [_place(i, 35 + i / 10, 33 + i / 20, "SY" if i % 2 else "LB", "0%d" % (i % 3), population=10 ** (i % 6))
              for i in range(12)]
    together = Cooccurrence({"name": places, "other": places[:3]})
    weights = {"logpop": 2.0, "curated": 0.5, "co_country": 1.1, "co_near": 0.3, "ctx_country": 1.0, "near_log": -0.2,
               "bare:city": 0.2, "match:alias": -0.3}
    context = Context()
    context.add({"countries": {"SY": 2.0}, "admin1": {}, "anchors": {(35.2, 33.1): 1.0}, "weight": 2.0})
    first = Candidates(places, key="name", cue=None, mention_match="name", cooccurrence=together)
    again = Candidates(places, key="name", cue=None, mention_match="name", cooccurrence=together)
    features = first.features(context)
    expected = [sum(weights.get(name, 0.0) * value for name, value in f.items()) for f in features]
    for option in (first, again):  # the second shares the first's template
        ranked = option.rank(context, weights)
        best = max(range(len(places)), key=lambda k: (expected[k], places[k].population or 0))
        assert ranked[0][0] is places[best]
        assert sum(p for _, p in ranked) == pytest.approx(1.0)


def test_each_gazetteer_keeps_its_own_answers():
    """Recognition memos are per gazetteer: a name one gazetteer knows is not known to another."""
    with_place = Gazetteer([Place("t:z", "Zarvandi", "town", Point(44.0, 33.0), country="IQ", pack="test")], world=None)
    without = Gazetteer([Place("t:y", "Yarbol", "town", Point(44.0, 33.0), country="IQ", pack="test")], world=None)
    report = Report("Fighting was reported in Zarvandi on Monday.")
    known = [c for c in candidates(report, with_place)[0] if c.key == "zarvandi"]
    unknown = [c for c in candidates(report, without)[0] if c.key == "zarvandi"]
    assert known and known[0].ids == ("t:z",)
    assert unknown and unknown[0].ids == ()
    assert [c.ids for c in candidates(report, with_place)[0] if c.key == "zarvandi"] == [("t:z",)]


@pytest.mark.parametrize("text, expected", [
    ("U.S. officials met in St. Petersburg. Talks ended.", ["U.S. officials met in St. Petersburg.", "Talks ended."]),
    ("Troops left Gen. Smith's base. It was calm.", ["Troops left Gen. Smith's base.", "It was calm."]),
    ("See www.example.com. Then go.", ["See www.example.com.", "Then go."]),
    ("A. B. Jones spoke. Done.", ["A. B. Jones spoke.", "Done."]),
    ("Shelling hit Kharkiv... Residents fled.", ["Shelling hit Kharkiv...", "Residents fled."]),
])
def test_sentences_end_after_words_not_abbreviations(text, expected):
    assert [text[s:e] for s, e in sentence_spans(text)] == expected


@pytest.mark.parametrize("seed", range(3))
def test_qualifier_search_from_the_last_words_finds_what_the_whole_window_does(seed):
    from mapping.resolution.qualify import _QUALIFIER, _QUALIFIER_WORDS, _qualifier_search_start

    rng = random.Random(seed)
    words = sorted(_QUALIFIER_WORDS) + ["bathe", "said.", "x", "km", "5", "The", "NORTHERN", "ſouthern"]
    separators = [" ", "  ", "\xa0", "\n", ", ", "-"]
    for _ in range(3000):
        left = "".join(rng.choice(words) + rng.choice(separators) for _ in range(rng.randint(0, 7)))
        whole, fast = _QUALIFIER.search(left), _QUALIFIER.search(left, _qualifier_search_start(left))
        assert (whole.span(), whole.groupdict()) == (fast.span(), fast.groupdict()), left
