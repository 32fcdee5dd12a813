import datetime as dt

import pytest
from shapely.geometry import Point, box

from mapping.language.dates import find_times
from mapping.resolution.qualify import derive_geometry, find_qualifier

TUESDAY = dt.date(2025, 11, 18)


@pytest.mark.parametrize("text, iso, precision", [
    ("on Monday", "2025-11-17", "day"), ("on Sunday", "2025-11-16", "day"), ("on Tuesday", "2025-11-18", "day"),
    ("last Tuesday", "2025-11-11", "day"), ("in December last year", "2024-12", "month"),
    ("yesterday", "2025-11-17", "day"), ("on 3 March 2024", "2024-03-03", "day"), ("March 3, 2024", "2024-03-03", "day"),
    ("under a 2018 arrangement", "2018", "year"), ("since 2017", "2017", "year"),
    ("last week", "2025-11-10/2025-11-16", "week"),
])
def test_time_expressions(text, iso, precision):
    (when,) = find_times(text, TUESDAY)
    assert (when.iso, when.precision) == (iso, precision)


def test_since_is_past_context():
    (when,) = find_times("deployed since 2017", TUESDAY)
    assert when.relation == "since"


def test_weekday_without_publication_date_is_not_guessed():
    assert find_times("on Monday", None) == []


def test_directional_part_is_computed_in_metres():
    square = box(35.0, 32.0, 36.0, 33.0)
    q = find_qualifier("in southern ", 0, 12)
    south = derive_geometry(square, q)
    assert south.bounds[3] < 32.55 and south.bounds[1] < 32.01
    assert 0.4 < south.area / square.area < 0.6
    west = derive_geometry(square, find_qualifier("the western part of ", 0, 20))
    assert west.bounds[2] < 35.55


def test_countryside_excludes_the_urban_core():
    square = box(35.0, 32.0, 36.0, 33.0)
    q = find_qualifier("the countryside of ", 0, 19)
    rural = derive_geometry(square, q, urban_cores=[(35.5, 32.5)])
    assert not rural.contains(Point(35.5, 32.5)) and rural.contains(Point(35.1, 32.1))


def test_distance_and_direction_offset():
    q = find_qualifier("75 miles north of ", 0, 18)
    assert q.distance_m == pytest.approx(120_700, rel=1e-3) and q.bearing == 0
    spot = derive_geometry(Point(35.886, 34.889), q)  # from Tartus
    assert 35.8 < spot.centroid.y < 36.2 and abs(spot.centroid.x - 35.886) < 0.05


def test_no_qualifier():
    assert find_qualifier("troops entered ", 0, 15) is None


@pytest.mark.parametrize("text", ["northern Russia", "the northern outskirts of Europe", "eastern Russia"])
def test_derived_area_across_the_antimeridian_is_valid_and_on_the_globe(text):
    # The part is cut in a local projection; brought back to WGS84, Chukotka's rings crossed themselves
    # and reached longitude 180.00000000000003.
    import mapping

    situation = mapping.map_report(text)
    derived = [f for f in situation.features if f.derived_from]
    assert derived, situation.features
    for feature in derived:
        west, south, east, north = feature.geometry.bounds
        assert feature.geometry.is_valid and not feature.geometry.is_empty
        assert -180 <= west <= east <= 180 and -90 <= south <= north <= 90
