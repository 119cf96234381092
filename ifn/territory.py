"""Figures of the territory card and of the comparison table (pure, from scored tables).

``scored`` is the output of ``ifn.score.score_all``: one table per level with
``code, nom, population, ifn, contexte, motif``, parent codes and, per
indicator, ``raw_<id>, score_<id>, imputed_<id>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ifn import levels
from ifn.aggregate import aggregate_level
from ifn.catalogue import Catalogue, load_catalogue
from ifn.classify import Classes, fr_number
from ifn.errors import InputError
from ifn.score import ScoreOptions, prepare_communes, resolve_selection

LEVEL_LABELS = levels.labels("label", tuple(levels.LEVELS))
COMMUNE_VALUE_REASON = ("Valeur de la commune : cet indicateur n'existe que par commune, l'IRIS reçoit la valeur de "
                        "sa commune.")
IRIS_IMPUTED_REASON = ("Valeur imputée : non publiée pour cet IRIS (secret statistique), remplacée par la moyenne "
                       "pondérée par la population des IRIS observés de la commune, à défaut du département.")
IMPUTED_REASON = ("Valeur imputée : non publiée (secret statistique), remplacée par la moyenne pondérée par la "
                  "population des communes observées de l'EPCI, à défaut du département.")
MISSING_REASON = "Valeur manquante : non publiée et impossible à estimer (aucune commune observée dans l'EPCI ni le département)."
NO_SOURCE_REASON = "Pas de valeur : {why}."
ESTIMATE_METHODS = {
    "revenu": "Valeur estimée à partir du revenu médian (Filosofi 2021) et de la taille de la commune "
              "(le taux n'est pas publié : secret statistique)",
    "revenu_iris": "Valeur estimée à partir du revenu médian de l'IRIS (Filosofi 2021), de son nombre de ménages "
                   "et de sa région, par un modèle ajusté parmi les IRIS publiés (le taux n'est pas publié : "
                   "secret statistique)",
}


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator of the card."""

    id: str
    label: str
    axis: int
    unit: str
    raw: float | None
    score: float | None
    imputed: bool
    reason: str | None
    source: str
    vintage: str
    proxy_note: str | None = None
    definition: str = ""
    estimate: str | None = None


@dataclass(frozen=True)
class Card:
    """Everything the territory card shows."""

    level: str
    code: str
    name: str
    population: int | None
    ifn: float | None
    motif: str | None
    class_label: str
    colour: str
    rank_dep: int | None
    n_dep: int | None
    rank_france: int | None
    n_france: int
    indicators: tuple[IndicatorRow, ...]
    context: tuple[IndicatorRow, ...]
    comparison: tuple[dict, ...] = field(default_factory=tuple)


def find_row(table: pl.DataFrame, code: str, level: str = "") -> dict:
    """Row of ``code`` in ``table`` as a dict; InputError (French) when absent."""
    rows = table.filter(pl.col("code") == code)
    if rows.height == 0:
        raise InputError(f"Aucun territoire de code « {code} » au niveau {LEVEL_LABELS.get(level, level)}.")
    return rows.row(0, named=True)


def rank_of(table: pl.DataFrame, code: str, within: str | None = None) -> tuple[int | None, int]:
    """Rank (1 = most fragile, ties share the best rank) of ``code`` by IFN, and number of ranked units.

    ``within``: a parent column (``dep``) restricting the comparison to the units sharing its value.
    """
    row = find_row(table, code)
    units = table if within is None else table.filter(pl.col(within) == row[within])
    ranked = units.filter(pl.col("ifn").is_not_null())
    if row["ifn"] is None:
        return None, ranked.height
    return int((ranked["ifn"] > row["ifn"]).sum()) + 1, ranked.height


def value_source(ind, catalogue: Catalogue, details: dict | None) -> tuple[str, str]:
    """(source, vintage) of one value: the commune's own source where the cache records it
    (``source_<id>``: e.g. « RP 2017 » for a DROM commune), else every source of the indicator.
    """
    sid = (details or {}).get(f"source_{ind.id}")
    if sid and any(s.id == sid for s in catalogue.sources):
        src = catalogue.source(sid)
        return src.label, (ind.vintage if sid == (ind.source_ids or ("",))[0] else src.vintage)
    if len(ind.source_ids) > 1:
        others = [catalogue.source(s) for s in ind.source_ids[1:]]
        return (ind.source + "".join(f" ; {o.label}" for o in others),
                ind.vintage + "".join(f" ; {o.vintage}" for o in others))
    return ind.source, ind.vintage


def estimate_text(id: str, details: dict | None, unit: str) -> str | None:
    """« Valeur estimée … ± x pts » for a value the build estimated (``<id>_methode``, ``<id>_erreur``)."""
    details = details or {}
    method = details.get(f"{id}_methode")
    if method not in ESTIMATE_METHODS:
        return None
    error = details.get(f"{id}_erreur")
    tail = (f", erreur moyenne ± {fr_number(error, 1)} {'pt' if unit == '%' else unit} (validation croisée)"
            if error is not None else "")
    return ESTIMATE_METHODS[method] + tail + "."


def indicator_rows(row: dict, ids: tuple[str, ...], catalogue: Catalogue,
                   details: dict | None = None) -> tuple[IndicatorRow, ...]:
    """Raw value, score, imputation flag and reason of each indicator of ``ids`` for one unit.

    ``details``: the unit's row of the commune table of the cache (communes only),
    for each value's own source, and the method and error of estimated values.
    """
    out = []
    for id in ids:
        ind = catalogue.indicator(id)
        raw, score = row.get(f"raw_{id}"), row.get(f"score_{id}")
        imputed = bool(row.get(f"imputed_{id}") or False)
        estimate = estimate_text(id, details, ind.unit)
        commune_value = id in (details or {}).get("valeurs_de_la_commune", ())  # an IRIS row (``ifn.iris``)
        if estimate:
            reason = estimate
            if commune_value:
                reason = f"{COMMUNE_VALUE_REASON} {estimate}"
        elif imputed and raw is not None:
            reason = IRIS_IMPUTED_REASON if (details or {}).get("valeurs_de_la_commune") is not None else IMPUTED_REASON
        elif commune_value and raw is not None:
            reason = COMMUNE_VALUE_REASON
        elif raw is None:
            why = (details or {}).get(f"{id}_absence")
            reason = NO_SOURCE_REASON.format(why=why) if why else MISSING_REASON
        else:
            reason = None
        source, vintage = value_source(ind, catalogue, details)
        out.append(IndicatorRow(id, ind.label, ind.axis, ind.unit, raw, score, (imputed or bool(estimate)) and raw is not None,
                                reason, source, vintage, ind.proxy_note, ind.definition, estimate))
    return tuple(out)


def france_values(communes: pl.DataFrame | pl.LazyFrame, variant: str = "tout_age") -> dict[str, float | None]:
    """Raw values of France as a whole for the variant's indicators (imputed communes, then the level rules)."""
    options = ScoreOptions(variant=variant)
    selection = resolve_selection(options)
    prepared = prepare_communes(communes, selection, options)
    table = aggregate_level(prepared, "france", list(selection.poolings))
    return {i: table[i][0] for i in selection.ids}


def comparison_rows(scored: dict[str, pl.DataFrame], level: str, row: dict, ids: tuple[str, ...],
                    france: dict[str, float | None]) -> tuple[dict, ...]:
    """Rows « territory / its département / France »: IFN and raw value of each indicator."""
    def line(label: str, source: dict | None, ifn) -> dict:
        values = {id: (source.get(f"raw_{id}") if source is not None else france.get(id)) for id in ids}
        return {"territoire": label, "ifn": ifn, **values}

    rows = [line(f"{row['nom']} ({LEVEL_LABELS[level]})", row, row["ifn"])]
    if level == "iris" and row.get("commune") and "commune" in scored:
        com = find_row(scored["commune"], row["commune"], "commune")
        rows.append(line(f"{com['nom']} (Commune)", com, com["ifn"]))
    if level in ("commune", "epci", "iris") and "dep" in row and "departement" in scored:
        dep = find_row(scored["departement"], row["dep"], "departement")
        rows.append(line(f"{dep['nom']} (Département)", dep, dep["ifn"]))
    rows.append(line("France", None, None))
    return tuple(rows)


def card(scored: dict[str, pl.DataFrame], level: str, code: str, classes: Classes,
         france: dict[str, float | None], indicators: tuple[str, ...], context: tuple[str, ...],
         catalogue: Catalogue | None = None, details: dict | None = None) -> Card:
    """Card of one territory.

    Parameters
    ----------
    scored : tables per level (``ifn.score.score_all``).
    classes : map classes, for the class label and colour.
    france : raw values of France (``france_values``).
    indicators, context : ids of the variant's axis-1 and axis-2 indicators.
    details : the commune's row of the cache's commune table (communes only): per-value sources,
        estimate methods and errors, reasons of absence.
    """
    cat = catalogue or load_catalogue()
    table = scored[level]
    row = find_row(table, code, level)
    rank_dep, n_dep = rank_of(table, code, "dep") if "dep" in table.columns else (None, None)
    rank_fr, n_fr = rank_of(table, code)
    return Card(
        level=level, code=code, name=row["nom"], population=row.get("population"), ifn=row["ifn"],
        motif=row.get("motif"), class_label=classes.label([row["ifn"]])[0], colour=classes.colour([row["ifn"]])[0],
        rank_dep=rank_dep, n_dep=n_dep, rank_france=rank_fr, n_france=n_fr,
        indicators=indicator_rows(row, indicators, cat, details), context=indicator_rows(row, context, cat, details),
        comparison=comparison_rows(scored, level, row, indicators + context, france),
    )


def fmt_value(value: float | None, unit: str = "", decimals: int = 1) -> str:
    """French display of a value: « 12,3 % », « — » when missing."""
    if value is None:
        return "—"
    return f"{fr_number(value, decimals)}{' ' + unit if unit else ''}"


def compare_table(scored: dict[str, pl.DataFrame], items: list[tuple[str, str]], ids: tuple[str, ...]) -> pl.DataFrame:
    """Side-by-side figures of several territories: ``territoire, niveau, code, ifn, raw_<id>…, score_<id>…``.

    ``items``: (level, code) pairs; unknown ones are skipped.
    """
    rows = []
    for level, code in items:
        found = scored[level].filter(pl.col("code") == code)
        if found.height == 0:
            continue
        r = found.row(0, named=True)
        rows.append({"territoire": r["nom"], "niveau": LEVEL_LABELS[level], "code": code, "ifn": r["ifn"],
                     **{f"raw_{i}": r.get(f"raw_{i}") for i in ids},
                     **{f"score_{i}": r.get(f"score_{i}") for i in ids}})
    schema = {"territoire": pl.String, "niveau": pl.String, "code": pl.String, "ifn": pl.Float64,
              **{f"raw_{i}": pl.Float64 for i in ids}, **{f"score_{i}": pl.Float64 for i in ids}}
    return pl.DataFrame(rows, schema=schema)
