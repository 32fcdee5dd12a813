"""One situation from many reports: corroboration, source notes across reports, disagreements."""

import json

import pytest

import mapping
from mapping.pipeline import map_reports, merge_situations
from mapping.language.report import read_report

MONDAY = "date 2025-11-18\nIsraeli troops set up a checkpoint near Quneitra on Monday."
MONDAY_AGAIN = "date 2025-11-18\nOn Monday, Israeli forces set up a checkpoint near Quneitra, residents said."
WEDNESDAY = "date 2025-11-20\nIsraeli troops set up a checkpoint near Quneitra on Wednesday."
RUSSIAN = "date 2025-11-18\nRussian troops set up a checkpoint near Quneitra on Monday."
JOINT = "date 2025-11-18\nRussian and Israeli troops set up a checkpoint near Quneitra on Monday."


def _checkpoints(situation):
    return [f for f in situation.features if f.kind == "checkpoint"]


def test_the_same_place_role_and_day_from_three_reports_is_one_feature():
    reports = [read_report(MONDAY, source="A"), read_report(MONDAY_AGAIN, source="B"),
               read_report(MONDAY + " Residents stayed home.", source="C")]
    merged = map_reports(reports)
    [checkpoint] = _checkpoints(merged)
    assert checkpoint.corroboration == 3 and checkpoint.reports == tuple(r.id for r in reports)
    assert not checkpoint.disagreement
    texts = {r.id: r.text for r in merged.reports}
    assert [rid for rid, _ in checkpoint.sources()] == [r.id for r in reports]
    for rid, m in checkpoint.sources():  # offsets index the report each mention quotes
        assert texts[rid][m.start:m.end] == m.text == "Quneitra"
        assert merged.report_of(m).id == rid
    props = checkpoint.properties
    assert props["corroboration"] == 3 and props["reports"] == [r.id for r in reports]
    assert [m["report_id"] for m in props["mentions"]] == props["reports"]
    data = json.loads(merged.to_geojson())
    assert [f["properties"]["corroboration"] for f in data["features"] if f["properties"]["kind"] == "checkpoint"] == [3]


def test_reports_that_give_another_date_or_actor_stay_apart_and_say_so():
    a, b, c, d = (read_report(t, source=s) for t, s in ((MONDAY, "A"), (MONDAY_AGAIN, "B"), (WEDNESDAY, "C"),
                                                         (RUSSIAN, "D")))
    merged = map_reports([a, b, c, d])
    by_version = {(f.actor, f.when.iso): f for f in _checkpoints(merged)}
    assert set(by_version) == {("israel", "2025-11-17"), ("israel", "2025-11-19"), ("russia", "2025-11-17")}
    monday = by_version["israel", "2025-11-17"]
    assert monday.corroboration == 2
    assert {(x.actor, x.when, x.reports) for x in monday.disagreement} == {("israel", "2025-11-19", (c.id,)),
                                                                            ("russia", "2025-11-17", (d.id,))}
    wednesday = by_version["israel", "2025-11-19"]
    assert [(x.feature, x.reports) for x in wednesday.disagreement] == [(monday.id, (a.id, b.id))]
    russian = by_version["russia", "2025-11-17"]
    # Another actor on another day is another event, not a disagreement.
    assert [x.feature for x in russian.disagreement] == [monday.id]
    note = russian.properties["disagreement"][0]
    assert note["actor"] == "israel" and note["reports"] == [a.id, b.id] and "Israel" in note["note"]


def test_a_report_naming_both_actors_contradicts_neither():
    merged = map_reports([read_report(JOINT), read_report(RUSSIAN), read_report(MONDAY)])
    checkpoints = _checkpoints(merged)
    assert {f.actor for f in checkpoints} == {"israel", "russia"}
    assert all(f.corroboration == 2 and not f.disagreement for f in checkpoints)


def test_a_single_report_is_unchanged_by_merging(example_text):
    alone = mapping.map_report(example_text, source="One")
    assert merge_situations([alone]) is alone
    text = alone.to_geojson()
    assert '"corroboration"' not in text and '"disagreement"' not in text and '"reports"' not in text
    assert all(f.corroboration == 1 and f.sources() == tuple((f.report_id, m) for m in f.mentions)
               for f in alone.features)


def test_merged_ids_are_unique_and_unresolved_mentions_keep_their_report():
    a = read_report("date 2025-11-18\nIsraeli troops entered the village of Qqxxabad near Quneitra.", source="A")
    b = read_report("date 2025-11-18\nIsraeli troops entered the village of Qqxxabad near Quneitra.", source="B")
    merged = map_reports([a, b])
    assert len({f.id for f in merged.features}) == len(merged.features)
    assert [r.id for r in merged.reports] == [a.id, f"{a.id}-2"]  # the same text twice: ids made unique
    assert [u["report_id"] for u in merged.__geo_interface__["unresolved"]] == [a.id, f"{a.id}-2"]
    assert all(f.corroboration == 2 for f in merged.features)


def test_merging_merged_situations_keeps_every_source():
    a, b, c = (mapping.map_report(t) for t in (MONDAY, MONDAY_AGAIN, MONDAY + " Shops closed."))
    once = merge_situations([merge_situations([a, b]), c])
    [checkpoint] = _checkpoints(once)
    assert checkpoint.corroboration == 3 and len(checkpoint.mentions) == 3


def test_the_merged_map_highlights_each_report_with_its_own_mentions():
    from mapping.output.render import render_html

    html = render_html(map_reports([read_report(MONDAY, title="First"), read_report(MONDAY_AGAIN, title="Second")]))
    assert html.count('sm-report-title') >= 2
    # Each report's text is linked at its own offsets: both "Quneitra" mentions are marked.
    assert html.count(">Quneitra</") >= 2


@pytest.mark.parametrize("texts", [(MONDAY,), (MONDAY, WEDNESDAY, RUSSIAN)])
def test_every_exporter_writes_merged_situations(tmp_path, texts):
    merged = map_reports([read_report(t) for t in texts])
    for suffix in (".geojson", ".gpkg", ".kml", ".csv"):
        assert merged.export(tmp_path / f"m{suffix}").stat().st_size > 0
