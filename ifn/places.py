"""Points with coordinates (libraries, France Services, mediation places, mobile sites): validation.

A point is kept when its latitude and longitude are numbers inside the box of
metropolitan France (Corsica included) or of one DROM; the boxes are the
extents of the commune polygons (IGN Admin Express COG 2024) widened by 0.05°
(about 5 km, for a site on a quay or a jetty). Missing coordinates and points
outside every box are counted and listed, never placed at (0, 0). A point in a
box may still be outside France (a box is not a border): the nearest-service
distance of a French commune is not distorted by it.
"""

from __future__ import annotations

import polars as pl

MARGIN_DEG = 0.05
# territory → (lon_min, lat_min, lon_max, lat_max) of the commune polygons
EXTENTS = {
    "metropole": (-5.14128, 41.3339, 9.56008, 51.08899),
    "971": (-61.809764, 15.8320085, -61.0003663, 16.5145161),
    "972": (-61.2290255, 14.3886707, -60.8097044, 14.8787327),
    "973": (-54.6026945, 2.1109401, -51.6346139, 5.748115599),
    "974": (55.2164268, -21.3897308, 55.8366924, -20.8717411),
    "976": (45.0183298, -13.0210119, 45.3000242, -12.6365902),
}
MISSING = "coordonnées manquantes ou illisibles"
OUTSIDE = "hors de France (métropole et DROM)"


def territory_expr(lat: str = "lat", lon: str = "lon", territories=None) -> pl.Expr:
    """The territory whose box holds the point (``metropole``, ``971`` …), null when none."""
    expr = pl.lit(None, dtype=pl.String)
    for name, (x0, y0, x1, y1) in reversed(list(EXTENTS.items())):
        if territories is not None and name not in territories:
            continue
        inside = pl.col(lon).is_between(x0 - MARGIN_DEG, x1 + MARGIN_DEG) & pl.col(lat).is_between(
            y0 - MARGIN_DEG, y1 + MARGIN_DEG)
        expr = pl.when(inside).then(pl.lit(name)).otherwise(expr)
    return expr


def check_points(df: pl.DataFrame, lat: str = "lat", lon: str = "lon", territories=None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split ``df`` into (located points with a ``territoire`` column, rejected points with ``motif``).

    ``lat``/``lon`` are Float64 (null when missing or unreadable).
    """
    tagged = df.with_columns(territory_expr(lat, lon, territories).alias("territoire"))
    missing = pl.col(lat).is_null() | pl.col(lon).is_null() | pl.col(lat).is_nan() | pl.col(lon).is_nan()
    rejected = tagged.filter(missing | pl.col("territoire").is_null()).with_columns(
        pl.when(missing).then(pl.lit(MISSING)).otherwise(pl.lit(OUTSIDE)).alias("motif")
    )
    return tagged.filter(~missing & pl.col("territoire").is_not_null()), rejected


def rejected_report(rejected: pl.DataFrame, label: str = "nom", line: str = "ligne", limit: int = 50) -> dict:
    """French-keyed counts and the list of the rejected points (at most ``limit`` listed)."""
    cols = [c for c in (line, "code", label, "commune", "lat", "lon", "motif") if c in rejected.columns]
    return {
        "sans_coordonnees": int((rejected["motif"] == MISSING).sum()) if rejected.height else 0,
        "hors_france": int((rejected["motif"] == OUTSIDE).sum()) if rejected.height else 0,
        "points_ecartes": rejected.select(cols).head(limit).to_dicts(),
    }
