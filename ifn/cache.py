"""Loading the derived cache (see docs/architecture.md, "Cache contract")."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from ifn.config import Settings, resolve_settings
from ifn.errors import ConfigError

SCHEMA_VERSION = 4
LEVELS = ("commune", "epci", "departement", "region")
GEO_LEVELS = LEVELS + ("iris",)  # the IRIS polygons: metropolitan France, without Lyon and Marseille


def _dir(settings: Settings | None) -> Path:
    return (settings or resolve_settings()).cache_dir


def _require(path: Path) -> Path:
    if not path.exists():
        raise ConfigError(
            f"Le cache « {path} » est absent : lancez « python -m ifn build » "
            "(ou ouvrez l'application, qui le construit au premier démarrage)."
        )
    return path


def load_communes(settings: Settings | None = None) -> pl.LazyFrame:
    """The commune table (one row per commune, COG 2026), lazily."""
    return pl.scan_parquet(_require(_dir(settings) / "communes.parquet"))


def load_aliases(settings: Settings | None = None) -> pl.DataFrame:
    """Former codes and names, arrondissements and communes déléguées → 2026 commune
    (``alias_code, alias_nom, code, nature, date``; see ``ifn.reconcile.alias_table``).
    """
    return pl.read_parquet(_require(_dir(settings) / "aliases.parquet"))


def load_centres(settings: Settings | None = None) -> pl.DataFrame:
    """Population centre of each commune (``code, lat, lon, methode, iris``; see
    ``ifn.distances.population_centres``): where the nearest-service distances start.
    """
    return pl.read_parquet(_require(_dir(settings) / "centres.parquet"))


def load_iris(settings: Settings | None = None) -> pl.LazyFrame:
    """The IRIS table (one row per IRIS of the census 2022, metropolitan France; see ``ifn.iris``), lazily."""
    return pl.scan_parquet(_require(_dir(settings) / "iris.parquet"))


def load_geometries(level: str, simplified: bool = True, settings: Settings | None = None):
    """GeoDataFrame (WGS84) with columns ``code``, ``geometry`` for a level."""
    import geopandas as gpd

    if level not in GEO_LEVELS:
        raise ConfigError(f"Niveau inconnu « {level} » : choisissez parmi {', '.join(GEO_LEVELS)}.")
    name = f"geo_{level}_simple.parquet" if simplified else f"geo_{level}.parquet"
    return gpd.read_parquet(_require(_dir(settings) / name))


def load_report(settings: Settings | None = None) -> dict:
    """The reconciliation report written by the build."""
    return json.loads(_require(_dir(settings) / "report.json").read_text(encoding="utf-8"))


def load_manifest(settings: Settings | None = None) -> dict | None:
    """The manifest, or None when there is no cache."""
    path = _dir(settings) / "manifest.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
