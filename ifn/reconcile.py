"""Reconcile commune codes of different vintages onto the COG 2020 universe.

The sources use different official geographic codes (COG): geometries 2018,
census 2019 (with the municipal arrondissements of Paris, Lyon, Marseille),
EPCI table 2020. Each source code is resolved by rule, in this order:

1. ``identique``: the code exists in the 2020 universe;
2. ``arrondissement``: a municipal arrondissement → its parent commune
   (``COMPARENT`` of the COG);
3. ``fusion``: the commune disappeared before 2020 (merger, association,
   commune nouvelle, code change) → the commune it became, following the
   COG history of changes (chained; for a code that disappeared several
   times, its latest event counts). The whole history up to 2020 is used
   because some sources (the libraries directory) still use the codes of
   communes associated in the 1970s or merged in 2016–2017;
4. ``hors champ``: a collectivité d'outre-mer (975, 977, 978, 98x), outside the
   index, or Monaco (99xxx); counted and listed in the report;
5. ``non apparié``: none of the above; kept in the report, never dropped silently.
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
WINDOW = ("1900-01-01", "2020-01-01")  # effective dates (exclusive, inclusive]


@dataclass(frozen=True)
class CodeResolver:
    """Maps any source code to a 2020 commune code."""

    universe: frozenset[str]
    arrondissements: dict[str, str]
    successors: dict[str, str]

    def resolve(self, code: str) -> tuple[str | None, str]:
        """Return (2020 code or None, status)."""
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
    """Build the resolver from the 2020 universe and the COG tables."""
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
    return CodeResolver(
        universe=frozenset(universe.to_list()),
        arrondissements=dict(arm.iter_rows()),
        successors=successors,
    )


def attach_codes(df: pl.DataFrame, resolver: CodeResolver, source: str) -> tuple[pl.DataFrame, dict]:
    """Add the 2020 ``code`` to a source frame keyed by ``code``; return (frame, report entry).

    Rows that cannot be matched are removed from the frame but listed in the
    report entry (``non_apparies``).
    """
    mapping = resolver.table(df["code"])
    joined = df.rename({"code": "code_source"}).join(mapping, on="code_source", how="left")
    counts = joined.group_by("statut").len()
    count = dict(counts.iter_rows())
    unmatched = joined.filter(pl.col("statut") == UNMATCHED)["code_source"].unique().sort().to_list()
    out_of_scope = joined.filter(pl.col("statut") == OUT_OF_SCOPE)["code_source"].unique().sort().to_list()
    covered = set(joined["code"].drop_nulls().to_list())
    missing = sorted(resolver.universe - covered)
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
        "communes_2020_absentes": len(missing),
        "codes_communes_2020_absentes": missing,
    }
    return joined.filter(pl.col("code").is_not_null()), entry


def weighted_mean(value: str, weight: str = "poids") -> pl.Expr:
    """Weighted mean over non-null values; plain mean when no weight is known."""
    ok = pl.col(value).is_not_null()
    w = pl.when(ok).then(pl.col(weight).fill_null(0)).otherwise(0)
    num = (pl.col(value).fill_null(0) * w).sum()
    den = w.sum()
    return pl.when(den > 0).then(num / den).otherwise(pl.col(value).mean()).alias(value)
