"""Gazetteer: places with geometry, provenance and precision, and how they are looked up.

``places`` holds the records and the look-up (packs, :class:`Gazetteer`), ``world`` the compact store of
GeoNames places and regions, ``names`` the keys names are looked up by, ``search`` ranked search for the
command line, ``outlines`` the country outlines that records are checked against.
"""

from .places import KINDS, Gazetteer, Place, bundled_pack_paths, default_gazetteer, load_pack

__all__ = ["Place", "Gazetteer", "default_gazetteer", "load_pack", "bundled_pack_paths", "KINDS"]
