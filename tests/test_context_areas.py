"""The vast-place test of the context layer: a planar estimate only where it cannot be on the wrong side."""

import random

import pytest
from pyproj import Geod
from shapely.geometry import box

from mapping.situation import CONTEXT_AREA_KM2, _area_km2

_GEOD = Geod(ellps="WGS84")


def _boxes():
    rng = random.Random(7)
    for _ in range(300):
        lat = rng.uniform(-80, 75)
        height = rng.uniform(0.1, 40)
        width = rng.uniform(0.1, 80)
        lon = rng.uniform(-180, 180 - width)
        yield box(lon, lat, lon + width, min(89.0, lat + height))


@pytest.mark.parametrize("index", range(0, 300, 30))
def test_estimates_fall_on_the_same_side_of_the_threshold_as_geodesic_areas(index):
    for geometry in list(_boxes())[index:index + 30]:
        true = abs(_GEOD.geometry_area_perimeter(geometry)[0]) / 1e6
        assert (_area_km2(geometry) >= CONTEXT_AREA_KM2) == (true >= CONTEXT_AREA_KM2), (geometry.bounds, true)


def test_points_and_lines_have_no_area():
    from shapely.geometry import LineString, Point

    assert _area_km2(Point(1, 2)) == 0.0 and _area_km2(LineString([(0, 0), (1, 1)])) == 0.0
