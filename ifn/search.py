"""One search box: communes (name, postal code, INSEE code), EPCI and départements (name, code), IRIS (name, code).

Names are normalised (``normalise``): accents removed, lower case, hyphens and
apostrophes as spaces, « st »/« ste » expanded to « saint »/« sainte ». Results
are ranked: exact match, then prefix, then word prefix, then substring; larger
populations first within a rank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl
from unidecode import unidecode

from ifn import levels

KIND_LABELS = levels.labels("label")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def normalise(text: str) -> str:
    """Search key of a name: « Saint-Étienne », « st etienne », « ST-ETIENNE » → « saint etienne »."""
    text = unidecode(text or "").lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(_ABBREVIATIONS.get(w, w) for w in text.split())


@dataclass(frozen=True)
class Hit:
    """One search result."""

    level: str
    code: str
    name: str
    detail: str
    notice: str | None = None
    target: str | None = None   # current name of the commune a former name/code or a sub-unit leads to

    @property
    def label(self) -> str:
        """« Saint-Étienne (Commune 42) »; « Marseille 5e Arrondissement → Marseille (Commune 13) » for an alias;
        « Saint-Germain l'Auxerrois 4 (IRIS de Paris) » for an IRIS.
        """
        if self.level == "iris":  # the detail of an IRIS is the name of its commune
            return f"{self.name} (IRIS de {self.detail})"
        via = f" → {self.target}" if self.target and self.target != self.name else ""
        return f"{self.name}{via} ({KIND_LABELS[self.level]} {self.detail})"


def alias_notice(alias_code: str, alias_nom: str, nature: str, date: str | None, code: str, nom: str) -> str:
    """French notice shown when a former code or name, or a sub-unit, leads to a 2026 commune."""
    if nature == "arrondissement municipal":
        return f"{alias_nom} ({alias_code}) est un arrondissement : l'indice est calculé pour la commune {nom} ({code})."
    if nature in ("commune déléguée", "commune associée"):
        return f"{alias_nom} ({alias_code}) est une {nature} de {nom} ({code}) : l'indice est celui de la commune."
    when = f" le {date[8:10]}/{date[5:7]}/{date[:4]}" if date and len(date) == 10 else ""
    if nature == "ancien nom":
        return f"« {alias_nom} » est l'ancien nom de {nom} ({code}), changé{when}."
    return f"{alias_nom} ({alias_code}) est devenue {nom} ({code}){when}."


def iris_rows(iris: pl.DataFrame) -> pl.DataFrame:
    """Index rows of the IRIS (``ifn.cache.load_iris``) of the communes split into IRIS: name of the IRIS,
    ``detail`` = its commune. An IRIS « Z » is a whole commune, already found under its commune name.
    """
    return iris.filter(pl.col("typ_iris") != "Z").select(
        pl.lit("iris").alias("level"), "code", pl.col("nom").alias("name"), pl.col("commune_nom").alias("detail"),
        pl.lit([], dtype=pl.List(pl.String)).alias("postal"),
        pl.col("population").cast(pl.Int64).fill_null(0).alias("population"))


def build_index(communes: pl.DataFrame, aliases: pl.DataFrame | None = None,
                iris: pl.DataFrame | None = None) -> pl.DataFrame:
    """Search table: ``level, code, name, detail, key, postal (list[str]), population, alias_code, notice, target``.

    ``aliases`` (``ifn.cache.load_aliases``) adds former codes and names, municipal
    arrondissements and communes déléguées, each leading to its 2026 commune
    with a notice; they rank after current names. ``iris`` (``ifn.cache.load_iris``) adds the IRIS
    names (``iris_rows``), ranked after the communes.
    """
    c = communes.select("code", "nom", "dep", "epci", "epci_nom", "dep_nom", "population", "codes_postaux")
    com = c.select(pl.lit("commune").alias("level"), "code", pl.col("nom").alias("name"),
                   pl.col("dep").alias("detail"), pl.col("codes_postaux").cast(pl.List(pl.String)).alias("postal"),
                   pl.col("population").cast(pl.Int64).fill_null(0).alias("population"))
    epci = (c.filter(pl.col("epci") != "ZZZZZZZZZ")
            .group_by("epci").agg(pl.first("epci_nom"), pl.col("population").sum(), pl.first("dep"))
            .select(pl.lit("epci").alias("level"), pl.col("epci").alias("code"), pl.col("epci_nom").alias("name"),
                    pl.col("epci").alias("detail"), pl.lit([], dtype=pl.List(pl.String)).alias("postal"),
                    pl.col("population").cast(pl.Int64).alias("population")))
    dep = (c.group_by("dep").agg(pl.first("dep_nom"), pl.col("population").sum())
           .select(pl.lit("departement").alias("level"), pl.col("dep").alias("code"), pl.col("dep_nom").alias("name"),
                   pl.col("dep").alias("detail"), pl.lit([], dtype=pl.List(pl.String)).alias("postal"),
                   pl.col("population").cast(pl.Int64).alias("population")))
    parts = [dep, epci, com] + ([iris_rows(iris)] if iris is not None else [])
    table = pl.concat(parts).with_columns(pl.lit(None, dtype=pl.String).alias("alias_code"),
                                          pl.lit(None, dtype=pl.String).alias("notice"),
                                          pl.lit(None, dtype=pl.String).alias("target"))
    if aliases is not None and aliases.height:
        current = c.select("code", pl.col("nom").alias("_nom"), "dep", "population")
        al = aliases.join(current, on="code", how="inner")
        notices = [alias_notice(*r) for r in al.select("alias_code", "alias_nom", "nature", "date", "code", "_nom").iter_rows()]
        rows = al.select(pl.lit("commune").alias("level"), "code", pl.col("alias_nom").alias("name"),
                         pl.col("dep").alias("detail"), pl.lit([], dtype=pl.List(pl.String)).alias("postal"),
                         pl.col("population").cast(pl.Int64).fill_null(0).alias("population"), "alias_code",
                         pl.Series("notice", notices, dtype=pl.String), pl.col("_nom").alias("target"))
        table = pl.concat([table, rows])
    keys = [normalise(n) for n in table["name"].to_list()]
    table = table.with_columns(pl.Series("key", keys, dtype=pl.String))
    # an alias whose name reads like its commune's current name adds nothing
    current_keys = table.filter(pl.col("alias_code").is_null() & (pl.col("level") == "commune")).select("code", pl.col("key").alias("_ck"))
    table = table.join(current_keys, on="code", how="left").filter(
        pl.col("alias_code").is_null() | (pl.col("key") != pl.col("_ck").fill_null("")) | (pl.col("alias_code") != pl.col("code"))
    ).drop("_ck")
    return table


_LEVEL_ORDER = {"departement": 0, "epci": 1, "commune": 2, "iris": 3}


def search(index: pl.DataFrame, query: str, limit: int = 10) -> list[Hit]:
    """Ranked hits for ``query`` (name, postal code, INSEE code, EPCI SIREN, département code)."""
    raw = (query or "").strip()
    if not raw:
        return []
    compact = raw.replace(" ", "").upper()
    if re.fullmatch(r"\d{5}|2[AB]\d{3}|\d{2,3}|2[AB]|\d{9}|2[AB]\d{7}", compact):
        is_alias = pl.col("alias_code").is_not_null()
        code_hits = index.filter((~is_alias & ((pl.col("code") == compact) | pl.col("postal").list.contains(compact)))
                                 | (is_alias & (pl.col("alias_code") == compact))).with_columns(
            pl.when(~is_alias & (pl.col("code") == compact)).then(0).when(is_alias).then(1).otherwise(2).alias("rank"))
        if code_hits.height:
            return _hits(code_hits, limit)
    key = normalise(raw)
    if not key:
        return []
    words = pl.col("key")
    rank = (pl.when(words == key).then(0)
            .when(words.str.starts_with(key)).then(1)
            .when(words.str.contains(" " + key, literal=True)).then(2)
            .when(words.str.contains(key, literal=True)).then(3)
            .otherwise(None))
    rank = pl.when(pl.col("alias_code").is_not_null()).then(rank + 4).otherwise(rank)
    found = index.with_columns(rank.alias("rank")).filter(pl.col("rank").is_not_null())
    return _hits(found, limit)


def _hits(found: pl.DataFrame, limit: int) -> list[Hit]:
    found = (found.with_columns(pl.col("level").replace_strict(_LEVEL_ORDER, return_dtype=pl.Int32).alias("_lv"))
             .sort(["rank", "_lv", "population", "code"], descending=[False, False, True, False]))
    hits, seen = [], set()
    for r in found.iter_rows(named=True):
        key = (r["level"], r["code"], r["name"])
        if key in seen:
            continue
        seen.add(key)
        hits.append(Hit(r["level"], r["code"], r["name"], r["detail"], r["notice"], r["target"]))
        if len(hits) == limit:
            break
    return hits
