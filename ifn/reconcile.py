"""Reconcile commune codes of different vintages onto the COG 2026 universe.

The sources use different official geographic codes (COG): geometries 2024,
census 2022 on 2025 codes (with the municipal arrondissements of Paris, Lyon,
Marseille), Filosofi 2024, ARCEP 2025/2026, older files 2018–2020. Each source
code is resolved by rule, in this order:

1. ``identique``: the code exists in the 2026 universe;
2. ``arrondissement``: a municipal arrondissement → its parent commune
   (``COMPARENT`` of the COG);
3. ``fusion``: the commune disappeared before 2026 (merger, association,
   commune nouvelle, code change) → the commune it became, following the
   COG history of changes (chained; for a code that disappeared several
   times, its latest event counts). The whole history up to 2026 is used
   because some sources (the libraries directory) still use the codes of
   communes associated in the 1970s or merged in 2016–2017;
4. ``hors champ``: a collectivité d'outre-mer (975, 977, 978, 98x), outside the
   index, or Monaco (99xxx); counted and listed in the report;
5. ``non apparié``: none of the above; kept in the report, never dropped silently.

A 2026 commune created or re-established after a source's vintage (the four
Cantal communes split out of 15141 on 2025-01-01) gets no value from that
source: its territory is counted in the commune it belonged to then. The report
lists those communes with the reason (``communes_retablies_apres_millesime``)
instead of copying the parent's value.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

MATCHED = "identique"
ARRONDISSEMENT = "arrondissement"
MERGED = "fusion"
UNMATCHED = "non apparié"
OUT_OF_SCOPE = "hors champ"
# Collectivités d'outre-mer, Nouvelle-Calédonie, Monaco (99xxx): outside the index.
OUT_OF_SCOPE_PREFIXES = ("975", "977", "978", "98", "99")

# INSEE event types that make a code disappear into another commune.
MERGER_EVENTS = {"31", "32", "33", "34", "41", "50"}
WINDOW = ("1900-01-01", "2026-01-01")  # effective dates (exclusive, inclusive]
# INSEE event types that create a commune (creation, re-establishment).
CREATION_EVENTS = {"20", "21"}


@dataclass(frozen=True)
class CodeResolver:
    """Maps any source code to a 2026 commune code."""

    universe: frozenset[str]
    arrondissements: dict[str, str]
    successors: dict[str, str]
    # 2026 commune → (date of its creation or re-establishment, the commune it came out of)
    created: dict[str, tuple[str, str]] = None  # type: ignore[assignment]

    def created_after(self, cog_date: str | None) -> dict[str, tuple[str, str]]:
        """2026 communes created or re-established after ``cog_date`` (ISO date of a source's COG)."""
        if not cog_date or not self.created:
            return {}
        return {code: info for code, info in self.created.items() if info[0] > cog_date}

    def resolve(self, code: str) -> tuple[str | None, str]:
        """Return (2026 code or None, status)."""
        if code in self.universe:
            return code, MATCHED
        if code in self.arrondissements:
            parent = self.arrondissements[code]
            if parent in self.universe:
                return parent, ARRONDISSEMENT
        if code.startswith(OUT_OF_SCOPE_PREFIXES):
            return None, OUT_OF_SCOPE
        current, seen = code, set()
        while current in self.successors and current not in seen:
            seen.add(current)
            current = self.successors[current]
            if current in self.universe:
                return current, MERGED
        return None, UNMATCHED

    def table(self, codes: pl.Series) -> pl.DataFrame:
        """``code_source, code, statut`` for the distinct codes of a series."""
        distinct = codes.drop_nulls().unique().sort().to_list()
        resolved = [self.resolve(c) for c in distinct]
        return pl.DataFrame(
            {
                "code_source": distinct,
                "code": [r[0] for r in resolved],
                "statut": [r[1] for r in resolved],
            },
            schema={"code_source": pl.String, "code": pl.String, "statut": pl.String},
        )


def make_resolver(universe: pl.Series, cog_communes: pl.DataFrame, movements: pl.DataFrame) -> CodeResolver:
    """Build the resolver from the 2026 universe, the COG sub-units (``typecom, code, parent``) and the history."""
    arm = cog_communes.filter(pl.col("typecom") == "ARM").select("code", "parent").drop_nulls()
    moves = movements.filter(
        (pl.col("date") > WINDOW[0])
        & (pl.col("date") <= WINDOW[1])
        & pl.col("mod").is_in(list(MERGER_EVENTS))
        & (pl.col("type_av") == "COM")
        & (pl.col("type_ap") == "COM")
        & (pl.col("code_av") != pl.col("code_ap"))
    ).select("date", "code_av", "code_ap").unique()
    # A code that disappeared several times (merged, re-established, merged again)
    # follows its latest event; among events of the same date, the smallest code.
    latest = moves.sort(["code_av", "date", "code_ap"], descending=[False, True, False]).unique(
        "code_av", keep="first", maintain_order=True
    )
    successors: dict[str, str] = dict(latest.select("code_av", "code_ap").iter_rows())
    universe_set = frozenset(universe.to_list())
    births = movements.filter(
        pl.col("mod").is_in(list(CREATION_EVENTS)) & (pl.col("date") <= WINDOW[1])
        & (pl.col("type_ap") == "COM") & (pl.col("type_av") == "COM") & (pl.col("code_av") != pl.col("code_ap"))
        & pl.col("code_ap").is_in(list(universe_set))
    ).sort("date", descending=True).unique("code_ap", keep="first", maintain_order=True)
    created = {ap: (date, av) for date, av, ap in births.select("date", "code_av", "code_ap").iter_rows()}
    return CodeResolver(
        universe=universe_set,
        arrondissements=dict(arm.iter_rows()),
        successors=successors,
        created=created,
    )


def attach_codes(df: pl.DataFrame, resolver: CodeResolver, source: str,
                 cog_date: str | None = None) -> tuple[pl.DataFrame, dict]:
    """Add the 2026 ``code`` to a source frame keyed by ``code``; return (frame, report entry).

    Rows that cannot be matched are removed from the frame but listed in the
    report entry (``non_apparies``). ``cog_date`` (ISO date of the source's
    COG) lets the entry list the 2026 communes created after it, which the
    source cannot describe (``communes_retablies_apres_millesime``).
    """
    reserved = [c for c in ("code_source", "statut") if c in df.columns]
    if reserved:
        raise ValueError(f"attach_codes: the source frame already has the column(s) {reserved}")
    mapping = resolver.table(df["code"])
    joined = df.rename({"code": "code_source"}).join(mapping, on="code_source", how="left")
    counts = joined.group_by("statut").len()
    count = dict(counts.iter_rows())
    unmatched = joined.filter(pl.col("statut") == UNMATCHED)["code_source"].unique().sort().to_list()
    out_of_scope = joined.filter(pl.col("statut") == OUT_OF_SCOPE)["code_source"].unique().sort().to_list()
    covered = set(joined["code"].drop_nulls().to_list())
    missing = sorted(resolver.universe - covered)
    later = resolver.created_after(cog_date)
    entry = {
        "source": source,
        "lignes": df.height,
        "identiques": int(count.get(MATCHED, 0)),
        "arrondissements": int(count.get(ARRONDISSEMENT, 0)),
        "fusions": int(count.get(MERGED, 0)),
        "non_apparies": int(count.get(UNMATCHED, 0)),
        "codes_non_apparies": unmatched,
        "hors_champ": int(count.get(OUT_OF_SCOPE, 0)),
        "codes_hors_champ": out_of_scope,
        "communes_2026_absentes": len(missing),
        "codes_communes_2026_absentes": missing,
        "communes_retablies_apres_millesime": {
            code: f"créée ou rétablie le {date} à partir de {parent}, après le millésime de la source"
            for code, (date, parent) in sorted(later.items())
        },
    }
    return joined.filter(pl.col("code").is_not_null()), entry


def final_code(successor: dict[str, str], code: str) -> str:
    """The code ``code`` leads to through a chain of ``successor`` (absorptions, code changes); cycle-safe."""
    seen = set()
    while code in successor and code not in seen:
        seen.add(code)
        code = successor[code]
    return code


def weighted_mean(value: str, weight: str = "poids") -> pl.Expr:
    """Weighted mean over non-null values; plain mean when no weight is known."""
    ok = pl.col(value).is_not_null()
    w = pl.when(ok).then(pl.col(weight).fill_null(0)).otherwise(0)
    num = (pl.col(value).fill_null(0) * w).sum()
    den = w.sum()
    return pl.when(den > 0).then(num / den).otherwise(pl.col(value).mean()).alias(value)


ALIAS_KINDS = {"ARM": "arrondissement municipal", "COMD": "commune déléguée", "COMA": "commune associée"}


def alias_table(resolver: CodeResolver, sub_units: pl.DataFrame, movements: pl.DataFrame,
                names: dict[str, str]) -> pl.DataFrame:
    """Every code or name a user may still type for a 2026 commune.

    Columns ``alias_code, alias_nom, code, nature, date``: municipal
    arrondissements and communes déléguées / associées (``sub_units``:
    ``code, nom, typecom, parent``), and every former commune of the COG history
    whose code or name is not the 2026 one (``nature`` = « ancienne commune »,
    ``date`` of its last change). ``names`` maps 2026 codes to their names.
    """
    rows: dict[tuple[str, str], tuple[str, str, str]] = {}
    for code, nom, typecom, parent in sub_units.select("code", "nom", "typecom", "parent").iter_rows():
        target = parent if parent in resolver.universe else None
        if target and not (code == target and nom == names.get(target)):
            rows[(code, nom)] = (target, ALIAS_KINDS.get(typecom, typecom), "")
    history = movements.filter(pl.col("type_av") == "COM").select("code_av", "nom_av", "date")
    for code, nom, date in history.sort("date").iter_rows():
        target, status = resolver.resolve(code)
        if target is None or nom is None:
            continue
        if code == target and nom == names.get(target):
            continue
        key = (code, nom)
        if key not in rows or rows[key][1] == "ancienne commune":
            rows[key] = (target, "ancienne commune" if code != target else "ancien nom", date)
    return pl.DataFrame(
        {"alias_code": [k[0] for k in rows], "alias_nom": [k[1] for k in rows],
         "code": [v[0] for v in rows.values()], "nature": [v[1] for v in rows.values()],
         "date": [v[2] for v in rows.values()]},
        schema={"alias_code": pl.String, "alias_nom": pl.String, "code": pl.String, "nature": pl.String,
                "date": pl.String},
    ).sort("alias_code", "alias_nom")
