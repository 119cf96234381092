"""Geometry: dissolve communes into larger units, simplify for the browser.

The commune polygons form a *coverage* (no overlaps, shared borders made of
the same vertices), so unions use ``shapely.coverage_union_all`` and the
browser versions use ``shapely.coverage_simplify``, which simplifies each
shared border once: neighbours stay glued, no gaps, no overlaps.
"""

from __future__ import annotations

import logging

import numpy as np
import shapely

log = logging.getLogger(__name__)

# Simplification tolerance (degrees, GEOS coverage simplifier) and coordinate grid per level.
SIMPLIFY = {
    "commune": (0.003, 1e-4),
    "epci": (0.006, 1e-4),
    "departement": (0.01, 1e-4),
    "region": (0.015, 1e-4),
}


def dissolve(codes: np.ndarray, geoms: np.ndarray, groups: np.ndarray):
    """Union the geometries of each group. Returns (group codes, geometries), sorted by group."""
    order = np.argsort(groups, kind="stable")
    g_sorted = groups[order]
    geoms_sorted = geoms[order]
    keys, starts = np.unique(g_sorted, return_index=True)
    bounds = list(starts[1:]) + [len(g_sorted)]
    out = []
    for start, end in zip(starts, bounds):
        part = geoms_sorted[start:end]
        out.append(part[0] if end - start == 1 else _union(part))
    return keys, np.array(out, dtype=object)


def _union(part: np.ndarray):
    """Union of adjacent polygons: the fast coverage union, or the general one where the
    polygons do not share their vertices exactly (the 2024 outlines are simplified by their producer).
    """
    try:
        merged = shapely.coverage_union_all(part)
    except shapely.errors.GEOSException:
        merged = None
    if merged is None or not merged.is_valid or merged.is_empty:
        merged = shapely.union_all(part)
    return merged


def simplify_coverage(geoms: np.ndarray, level: str) -> np.ndarray:
    """Topology-preserving simplification of a whole coverage, then a coordinate grid.

    The grid snapping (4 decimals ≈ 10 m) is applied pointwise to the coverage
    as a whole, so shared vertices round identically; the rare polygon made
    invalid by it (a spike collapsing) is repaired with ``make_valid``.
    """
    tolerance, grid = SIMPLIFY[level]
    simple = shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)
    snapped = shapely.set_precision(simple, grid, mode="pointwise")
    bad = ~shapely.is_valid(snapped)
    if bad.any():
        snapped[bad] = shapely.make_valid(snapped[bad], method="structure", keep_collapsed=False)
    empty = shapely.is_empty(snapped)
    snapped[empty] = simple[empty]
    return snapped


def to_geojson_bytes(codes, geoms, properties: dict | None = None) -> bytes:
    """Compact GeoJSON FeatureCollection (no spaces, shortest float repr)."""
    import json

    properties = properties or {}
    features = []
    for i, (code, geom) in enumerate(zip(codes, geoms)):
        props = {"code": code}
        props.update({k: v[i] for k, v in properties.items()})
        features.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)})
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")).encode("utf-8")


def coverage_problems(geoms: np.ndarray, gap_width: float = 0.0) -> dict:
    """Quality figures of a coverage: invalid polygons and invalid shared edges."""
    invalid = int((~shapely.is_valid(geoms)).sum())
    edges = shapely.coverage_invalid_edges(geoms, gap_width=gap_width)
    bad_edges = int((~shapely.is_empty(edges)).sum())
    return {"polygones_invalides": invalid, "bords_incoherents": bad_edges}


def fill_gaps(geoms: np.ndarray, min_share: float = 0.5) -> np.ndarray:
    """Fill the holes of dissolved units that are gaps between source files, not enclaves.

    The 2024 commune outlines were simplified one département at a time, so
    neighbouring départements do not share their border vertices: a union
    of communes leaves thin holes along those borders. A hole is kept when
    another unit covers at least ``min_share`` of it (a real enclave), and
    filled otherwise.
    """
    tree = shapely.STRtree(geoms)
    out = np.empty(len(geoms), dtype=object)
    for i, geom in enumerate(geoms):
        polygons = list(getattr(geom, "geoms", [geom]))
        kept = []
        for poly in polygons:
            if poly.geom_type != "Polygon" or not poly.interiors:
                kept.append(poly)
                continue
            rings = []
            for ring in poly.interiors:
                hole = shapely.Polygon(ring)
                others = [j for j in tree.query(hole, predicate="intersects") if j != i]
                covered = sum(shapely.area(shapely.intersection(hole, geoms[j])) for j in others)
                if hole.area > 0 and covered >= min_share * hole.area:
                    rings.append(ring)
            kept.append(shapely.Polygon(poly.exterior, rings))
        merged = kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)
        out[i] = merged if merged.is_valid else shapely.make_valid(merged)
    return out
