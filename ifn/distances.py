"""Straight-line distances from communes to the nearest service (pure functions).

Points are latitude / longitude in degrees (WGS84). The nearest-neighbour search
uses a k-d tree (``scipy.spatial.cKDTree``) on points of the unit sphere: the
chord between two unit vectors is a monotonic function of their great-circle
distance, so the nearest by chord is the nearest on the sphere, across
département borders and without an all-pairs loop. Distances are great-circle
kilometres on a sphere of radius ``EARTH_RADIUS_KM`` (the haversine formula; at
most 0.5 % from the ellipsoidal distance).
"""

from __future__ import annotations

import numpy as np
import polars as pl

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


def unit_vectors(lat_deg, lon_deg) -> np.ndarray:
    """(n, 3) points of the unit sphere."""
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    cos_lat = np.cos(lat)
    return np.column_stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)])


def _chord_to_km(chord: np.ndarray) -> np.ndarray:
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0, 1))


def _km_to_chord(km: float) -> float:
    return 2 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2)


def _tree(lat, lon):
    from scipy.spatial import cKDTree

    pts = unit_vectors(lat, lon)
    if not len(pts) or not np.isfinite(pts).all():
        raise ValueError("targets must be a non-empty set of finite coordinates")
    return cKDTree(pts)


def nearest_km(origins_lat, origins_lon, targets_lat, targets_lon) -> tuple[np.ndarray, np.ndarray]:
    """Great-circle km from each origin to its nearest target, and the index of that target."""
    tree = _tree(targets_lat, targets_lon)
    chord, index = tree.query(unit_vectors(origins_lat, origins_lon), k=1)
    return _chord_to_km(chord), index


def count_within_km(origins_lat, origins_lon, targets_lat, targets_lon, radius_km: float) -> np.ndarray:
    """Number of targets within ``radius_km`` (great circle) of each origin."""
    tree = _tree(targets_lat, targets_lon)
    return np.asarray(
        tree.query_ball_point(unit_vectors(origins_lat, origins_lon), _km_to_chord(radius_km), return_length=True),
        dtype=np.int64,
    )


def mean_position(lat, lon, weights) -> tuple[float, float]:
    """Weighted mean of points on the sphere (the mean unit vector, normalised)."""
    v = (unit_vectors(lat, lon) * np.asarray(weights, dtype=float)[:, None]).sum(axis=0)
    return float(np.degrees(np.arctan2(v[2], np.hypot(v[0], v[1])))), float(np.degrees(np.arctan2(v[1], v[0])))


def population_centres(iris, communes) -> pl.DataFrame:
    """Population-weighted centre of each commune: ``code, lat, lon, methode, iris``.

    ``iris``: GeoDataFrame ``commune`` (code, same vintage as ``communes``),
    ``population``, ``geometry`` (WGS84). ``communes``: GeoDataFrame ``code, geometry``.
    A commune split into several IRIS with a population takes the population-weighted
    mean of the representative points of its IRIS (``methode`` = ``iris``); any other
    commune (one IRIS, no IRIS, as in the DROM, or no population) takes the
    representative point of its polygon (``contour``). A representative point is
    always inside its polygon, unlike a centroid.
    """
    import shapely

    pts = shapely.point_on_surface(shapely.make_valid(np.asarray(iris.geometry.values)))
    iris_tab = pl.DataFrame({
        "code": iris["commune"].astype(str).to_numpy(),
        "population": np.asarray(iris["population"], dtype=float),
        "x": shapely.get_x(pts), "y": shapely.get_y(pts),
    }, schema={"code": pl.String, "population": pl.Float64, "x": pl.Float64, "y": pl.Float64}).filter(pl.col("population").is_not_null() & ~pl.col("population").is_nan()
              & pl.col("x").is_finite() & pl.col("y").is_finite())  # an empty IRIS polygon has no point
    v = unit_vectors(iris_tab["y"].to_numpy(), iris_tab["x"].to_numpy()) * iris_tab["population"].to_numpy()[:, None]
    split = (
        iris_tab.with_columns(pl.Series("vx", v[:, 0]), pl.Series("vy", v[:, 1]), pl.Series("vz", v[:, 2]))
        .group_by("code")
        .agg(pl.len().alias("iris"), pl.col("population").sum(), pl.col("vx").sum(), pl.col("vy").sum(),
             pl.col("vz").sum())
        .filter((pl.col("iris") > 1) & (pl.col("population") > 0))
        .select("code", "iris",
                pl.arctan2(pl.col("vz"), (pl.col("vx") ** 2 + pl.col("vy") ** 2).sqrt()).degrees().alias("lat_iris"),
                pl.arctan2(pl.col("vy"), pl.col("vx")).degrees().alias("lon_iris"))
    )
    rep = shapely.point_on_surface(shapely.make_valid(np.asarray(communes.geometry.values)))
    table = pl.DataFrame({"code": communes["code"].astype(str).to_numpy(),
                          "lat_rep": shapely.get_y(rep), "lon_rep": shapely.get_x(rep)})
    return table.join(split, on="code", how="left").select(
        "code",
        pl.coalesce("lat_iris", "lat_rep").alias("lat"),
        pl.coalesce("lon_iris", "lon_rep").alias("lon"),
        pl.when(pl.col("lat_iris").is_not_null()).then(pl.lit("iris")).otherwise(pl.lit("contour")).alias("methode"),
        pl.col("iris").fill_null(1).cast(pl.Int64),
    )


def service_distances(centres: pl.DataFrame, services: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """``code`` + one km column per service: ``services`` maps the column name (``dist_bibliotheque`` …)
    to the service points (``lat, lon``).
    """
    out = centres.select("code")
    lat, lon = centres["lat"].to_numpy(), centres["lon"].to_numpy()
    for name, points in services.items():
        km, _ = nearest_km(lat, lon, points["lat"].to_numpy(), points["lon"].to_numpy())
        out = out.with_columns(pl.Series(name, km))
    return out


def with_distance(counts: pl.DataFrame, centres: pl.DataFrame | None, points: pl.DataFrame, column: str,
                  count: str) -> pl.DataFrame:
    """Every commune of ``centres`` with ``count`` (0 where none) and ``column``: km from its centre to
    the nearest of ``points`` (``lat, lon``), across département borders. Without ``centres``, the
    counts alone.
    """
    if centres is None:
        return counts
    km = service_distances(centres, {column: points})
    return (km.join(counts, on="code", how="left")
            .with_columns(pl.col(count).fill_null(0).cast(pl.Int64)).select("code", count, column).sort("code"))
