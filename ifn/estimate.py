"""Estimate a secret Filosofi poverty rate (TP60) from the median standard of living and commune size.

INSEE publishes the poverty rate at 60 % of the median standard of living (TP60)
only for communes of about 1,000 tax households or more; the median standard of
living (MED21) is published for almost every commune. The poverty rate of a
commune is estimated by least squares on

    1, L, (L − ln 18 000)+, (L − ln 21 000)+, (L − ln 24 000)+, (L − ln 28 000)+, ln(households), overseas,
    one offset per région

where L = ln(MED21) (a continuous piecewise-linear curve in log median: the
relation is steep among poor communes and flat among rich ones), ``households``
is the number of tax households (NBMENFISC21, floored at ``SIZE_FLOOR``: the
size effect is not extrapolated below the smallest published commune),
``overseas`` is 1 in a DROM (at the same median, poverty is higher there: the
threshold is national) and the région offsets (column ``reg``, optional) carry
the regional differences of income dispersion at the same median (the West is
more equal, Corsica less), with a small ridge penalty. The prediction is
clipped to [0, 100].

**The model that predicts the communes of département d is fitted on the
published communes of the other départements only** (the offset of d's région
is learnt from the other départements of that région; a région with no other
département gets none). The same leave-one-département-out predictions of the
published communes give the cross-validated error: mean absolute error (MAE),
median absolute error and Spearman's rank correlation, overall and per size
class. The « ± x pts » of an estimated commune is the cross-validated MAE of its
size class.

Pure functions on numpy arrays and polars frames; no file is read here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

PUBLISHED = "publie"
FROM_INCOME = "revenu"
FROM_IRIS_INCOME = "revenu_iris"  # on the card: an IRIS estimated from its own income (ifn.iris)

MEDIAN_KNOTS = (18_000.0, 21_000.0, 24_000.0, 28_000.0)  # €, knots of the spline in ln(MED21)
SIZE_FLOOR = 750.0  # tax households: below the smallest published commune (778), the size effect is held constant
FEATURES = (
    "constante",
    "ln_med21",
    *(f"ln_med21_sup_{int(k)}" for k in MEDIAN_KNOTS),
    "ln_menages",
    "outre_mer",
)
OVERSEAS_PREFIX = "97"
REGION_PENALTY = 1.0  # ridge λ on the région offsets: negligible next to ~4,300 squared residuals; pins an
# offset with no training commune to 0 and keeps the constant identified

# Size classes by tax households (NBMENFISC21): lower bounds and French labels.
SIZE_BREAKS = (1_000, 2_000, 5_000, 20_000)
SIZE_LABELS = (
    "moins de 1 000 ménages",
    "1 000 à 1 999 ménages",
    "2 000 à 4 999 ménages",
    "5 000 à 19 999 ménages",
    "20 000 ménages ou plus",
)
ALL_CLASSES = "ensemble"


def departement_of(code: str) -> str:
    """Département of a commune code: 3 characters overseas (97x), else 2 (``2A``, ``29``)."""
    return code[:3] if code.startswith(OVERSEAS_PREFIX) else code[:2]


def departement_expr(column: str = "code") -> pl.Expr:
    """Polars version of :func:`departement_of`."""
    c = pl.col(column)
    return pl.when(c.str.starts_with(OVERSEAS_PREFIX)).then(c.str.slice(0, 3)).otherwise(c.str.slice(0, 2))


def size_class(menages: pl.Expr) -> pl.Expr:
    """French label of the size class of a number of tax households (null when unknown)."""
    expr = pl.when(menages.is_null()).then(None)
    for bound, label in zip(SIZE_BREAKS, SIZE_LABELS):
        expr = expr.when(menages < bound).then(pl.lit(label))
    return expr.otherwise(pl.lit(SIZE_LABELS[-1]))


def base_matrix(med21, menages, overseas) -> np.ndarray:
    """Regressors shared by every commune (columns in the order of ``FEATURES``)."""
    log_med = np.log(np.asarray(med21, dtype=float))
    hinges = [np.maximum(log_med - math.log(k), 0.0) for k in MEDIAN_KNOTS]
    log_size = np.log(np.maximum(np.asarray(menages, dtype=float), SIZE_FLOOR))
    return np.column_stack(
        [np.ones_like(log_med), log_med, *hinges, log_size, np.asarray(overseas, dtype=float)]
    )


def design_matrix(frame: pl.DataFrame, regions: tuple[str, ...] = ()) -> np.ndarray:
    """``FEATURES`` of each row of ``frame`` (``med21, menages, dep``), then one 0/1 column per région of
    ``regions`` (column ``reg``).
    """
    base = base_matrix(
        frame["med21"].to_numpy(), frame["menages"].to_numpy(), frame["dep"].str.starts_with(OVERSEAS_PREFIX).to_numpy()
    )
    if not regions:
        return base
    reg = frame["reg"].to_numpy()
    return np.column_stack([base, *((reg == r).astype(float) for r in regions)])


@dataclass(frozen=True)
class Model:
    """Fitted coefficients: ``FEATURES`` then one offset per région of ``regions``."""

    coefficients: np.ndarray
    regions: tuple[str, ...] = ()

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        """Predicted poverty rate of each row, clipped to [0, 100]."""
        return np.clip(design_matrix(frame, self.regions) @ self.coefficients, 0.0, 100.0)

    def named(self) -> dict[str, float]:
        names = [*FEATURES, *(f"region_{r}" for r in self.regions)]
        return dict(zip(names, (float(c) for c in self.coefficients)))


def fit(train: pl.DataFrame, regions: tuple[str, ...] = ()) -> Model:
    """Least squares of ``tp60`` on the regressors; the région offsets carry a ridge penalty
    ``REGION_PENALTY`` (so that a région without any training commune gets offset 0, and the
    constant stays identified), the other coefficients none.
    """
    return _fit_matrix(design_matrix(train, regions), train["tp60"].to_numpy().astype(float), regions)


def _fit_matrix(X: np.ndarray, y: np.ndarray, regions: tuple[str, ...]) -> Model:
    if regions:
        penalty = np.zeros((len(regions), X.shape[1]))
        penalty[:, len(FEATURES):] = math.sqrt(REGION_PENALTY) * np.eye(len(regions))
        X, y = np.vstack([X, penalty]), np.concatenate([y, np.zeros(len(regions))])
    return Model(least_squares(X, y), regions)


def least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Argmin ‖X b − y‖² by the normal equations on unit-norm columns (a column that is all zero gets 0).

    The normal equations of a few dozen columns cost well under a millisecond, where LAPACK's
    SVD solver takes hundreds of milliseconds when its threads compete on a loaded machine.
    """
    norms = np.linalg.norm(X, axis=0)
    keep = norms > 0
    Z = X[:, keep] / norms[keep]
    coef = np.zeros(X.shape[1])
    coef[keep] = np.linalg.solve(Z.T @ Z, Z.T @ y) / norms[keep]
    return coef


def regions_of(frame: pl.DataFrame) -> tuple[str, ...]:
    """The régions of ``frame`` (column ``reg``), sorted; empty when the column is absent."""
    if "reg" not in frame.columns:
        return ()
    return tuple(sorted(frame["reg"].drop_nulls().unique().to_list()))


def training_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows the model may learn from: published TP60, MED21 and households known, ``ajuste`` not False."""
    ok = pl.col("tp60").is_not_null() & pl.col("med21").is_not_null() & pl.col("menages").is_not_null()
    if "ajuste" in frame.columns:
        ok = ok & pl.col("ajuste").fill_null(False)
    return frame.filter(ok)


def fit_excluding(frame: pl.DataFrame, departement: str) -> Model:
    """The model fitted on the published communes of every département except ``departement``."""
    train = training_rows(frame).filter(pl.col("dep") != departement)
    if train.height < len(FEATURES):
        raise ValueError(f"too few published communes outside {departement} to fit the model ({train.height})")
    return fit(train, regions_of(frame))


def cross_validated_predictions(frame: pl.DataFrame) -> pl.Series:
    """For every row with MED21 and households known, the prediction of the model fitted without its département.

    ``frame`` has ``dep, menages, med21, tp60`` (optionally ``reg`` for the région offsets and
    ``ajuste``). Returns a Float64 series ``prediction`` aligned with ``frame`` (null where MED21 or
    households are unknown).
    """
    regions = regions_of(frame)
    train = training_rows(frame)
    X_train, y_train = design_matrix(train, regions), train["tp60"].to_numpy().astype(float)
    train_deps = train["dep"].to_numpy()
    X_all = design_matrix(frame, regions)  # NaN rows where MED21 or households are unknown: not predicted
    usable = (frame["med21"].is_not_null() & frame["menages"].is_not_null()).to_numpy()
    deps = frame["dep"].to_numpy()
    out = np.full(frame.height, np.nan)
    for dep in np.unique(deps[usable]):
        keep = train_deps != dep  # same rows as fit_excluding(frame, dep), matrices built once
        if keep.sum() < len(FEATURES):
            raise ValueError(f"too few published communes outside {dep} to fit the model ({keep.sum()})")
        coef = _fit_matrix(X_train[keep], y_train[keep], regions).coefficients
        rows = usable & (deps == dep)
        out[rows] = np.clip(X_all[rows] @ coef, 0.0, 100.0)
    return pl.Series("prediction", out, dtype=pl.Float64).fill_nan(None)


def error_table(truth: pl.Series, predicted: pl.Series, menages: pl.Series) -> pl.DataFrame:
    """Absolute-error summary, overall and per size class.

    Columns ``classe, n, mae, erreur_mediane, spearman`` (points of percentage; Spearman's rank
    correlation between predicted and true values). Rows with a null on either side are left out.
    """
    df = pl.DataFrame({"truth": truth, "pred": predicted, "menages": menages}).drop_nulls(["truth", "pred"])
    df = df.with_columns(
        (pl.col("pred") - pl.col("truth")).abs().alias("err"), size_class(pl.col("menages")).alias("classe")
    )
    stats = [
        pl.len().cast(pl.Int64).alias("n"),
        pl.col("err").mean().alias("mae"),
        pl.col("err").median().alias("erreur_mediane"),
        pl.corr("pred", "truth", method="spearman").alias("spearman"),
    ]
    overall = df.select(pl.lit(ALL_CLASSES).alias("classe"), *stats)
    per_class = df.group_by("classe").agg(stats)
    order = pl.DataFrame({"classe": [ALL_CLASSES, *SIZE_LABELS], "_o": list(range(len(SIZE_LABELS) + 1))})
    return (
        pl.concat([overall, per_class.select(overall.columns)])
        .join(order, on="classe", how="left")
        .sort("_o")
        .drop("_o")
    )


def estimate_poverty(frame: pl.DataFrame, regional: bool = True) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Published or estimated poverty rate of every row, and the cross-validated error table.

    ``frame``: one row per source commune with ``dep, menages, med21, tp60``, optionally ``reg`` (région:
    offsets per région unless ``regional`` is False) and ``ajuste`` (False for rows that must not be
    learnt from, e.g. municipal arrondissements duplicating their commune). Returns ``(frame + columns, errors)`` where the added columns are

    - ``prediction``: leave-one-département-out prediction (every row with MED21 and households);
    - ``pauvrete_estimee``: the prediction where TP60 is secret (null where published or MED21 secret);
    - ``pauvrete_erreur``: for an estimated row, the cross-validated MAE of its size class (points);
    - ``pauvrete_methode``: ``"publie"``, ``"revenu"`` or null (neither TP60 nor MED21);

    and ``errors`` is :func:`error_table` on the published rows used for fitting.
    """
    pred = cross_validated_predictions(frame if regional else frame.drop("reg", strict=False))
    out = frame.with_columns(pred, size_class(pl.col("menages")).alias("_classe"))
    held_out = training_rows(out)
    errors = error_table(held_out["tp60"], held_out["prediction"], held_out["menages"])
    class_mae = errors.filter(pl.col("classe") != ALL_CLASSES).select(
        pl.col("classe").alias("_classe"), pl.col("mae").alias("_mae")
    )
    published = pl.col("tp60").is_not_null()
    estimated = ~published & pl.col("prediction").is_not_null()
    out = (
        out.join(class_mae, on="_classe", how="left", maintain_order="left")
        .with_columns(
            pl.when(estimated).then(pl.col("prediction")).alias("pauvrete_estimee"),
            pl.when(estimated).then(pl.col("_mae")).alias("pauvrete_erreur"),
            pl.when(published)
            .then(pl.lit(PUBLISHED))
            .when(estimated)
            .then(pl.lit(FROM_INCOME))
            .otherwise(None)
            .alias("pauvrete_methode"),
        )
        .drop("_classe", "_mae")
    )
    return out, errors


def group_mean_predictions(frame: pl.DataFrame) -> pl.Series:
    """The former imputation rule, for comparison, each row left out in turn.

    ``frame``: ``epci, dep, poids, tp60``. The prediction of a row is the ``poids``-weighted mean of
    the published ``tp60`` of the *other* rows of its EPCI; when its EPCI has none (or the row has no
    EPCI), of the other rows of its département; else null.
    """
    df = frame.with_columns(
        pl.when(pl.col("tp60").is_not_null() & pl.col("poids").is_not_null())
        .then(pl.col("poids").cast(pl.Float64))
        .otherwise(0.0)
        .alias("_w")
    ).with_columns((pl.col("_w") * pl.col("tp60").fill_null(0.0)).alias("_wx"))

    def leave_one_out(key: str) -> pl.Expr:
        den = pl.col("_w").sum().over(key) - pl.col("_w")
        num = pl.col("_wx").sum().over(key) - pl.col("_wx")
        return pl.when(pl.col(key).is_not_null() & (den > 0)).then(num / den)

    return df.select(pl.coalesce(leave_one_out("epci"), leave_one_out("dep")).alias("prediction"))["prediction"]



MIN_VALIDATION = 30  # published communes a size class needs for its own validation error (estimate_rate)


def estimate_rate(frame: pl.DataFrame, column: str, prefix: str, regional: bool = True) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`estimate_poverty` applied to another published rate of the same file (e.g. the poverty rate of
    households whose reference person is under 30, ``tp60_age1``), with the same regressors and the same
    leave-one-département-out fit.

    Adds to ``frame`` the columns ``<prefix>_estimee`` (the prediction where ``column`` is secret),
    ``<prefix>_erreur`` and ``<prefix>_methode`` (``"publie"``, ``"revenu"`` or null). The error is the
    cross-validated MAE of the row's size class when at least ``MIN_VALIDATION`` published communes of that
    class validate it; otherwise (the age-specific rates are published for fewer, larger communes than
    TP60: one commune under 2,000 households for the under-30 rate) the MAE of the smallest class that
    has that many — an extrapolation to smaller communes, said in the methodology. Returns
    ``(frame + columns, errors)``.
    """
    keep = [c for c in ("dep", "menages", "med21", "reg", "ajuste") if c in frame.columns]
    work = frame.select(*keep, pl.col(column).alias("tp60"))
    out, errors = estimate_poverty(work, regional=regional)
    valid = {r["classe"]: r["mae"] for r in errors.iter_rows(named=True)
             if r["classe"] != ALL_CLASSES and r["n"] >= MIN_VALIDATION}
    mae = {}
    for n, label in enumerate(SIZE_LABELS):
        own = valid.get(label)
        if own is None:  # the next larger class that has enough published communes, else the overall MAE
            own = next((valid[lbl] for lbl in SIZE_LABELS[n + 1:] if lbl in valid),
                       errors.filter(pl.col("classe") == ALL_CLASSES)["mae"][0] if errors.height else None)
        mae[label] = own
    classes = work.select(size_class(pl.col("menages")).alias("c"))["c"]
    error = pl.DataFrame({"est": out["pauvrete_estimee"].is_not_null(), "c": classes}).select(
        pl.when(pl.col("est")).then(pl.col("c").replace_strict(mae, default=None, return_dtype=pl.Float64))
    ).to_series()
    return frame.with_columns(
        out["pauvrete_estimee"].alias(f"{prefix}_estimee"),
        error.alias(f"{prefix}_erreur"),
        out["pauvrete_methode"].alias(f"{prefix}_methode"),
    ), errors
