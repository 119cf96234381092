"""The IRIS level (issue 13): values of an IRIS from its census row, pooling onto the commune, search,
shared links, scores among IRIS, reconciliation of the IRIS codes, the card of an IRIS.

Expected values are read by hand from ``insee/rp-2022-iris/agg_iris_01.parquet`` (commune 01004
Ambérieu-en-Bugey, 4 IRIS) and ``agg_iris_75.parquet`` (Saint-Germain l'Auxerrois, Paris 1er).
"""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
import pytest

from ifn import urlstate
from ifn.iris import COMMUNE_VALUES, census_share
from ifn.search import build_index, search
from ifn.urlstate import MapState, decode, encode, select, view_area, with_map_level

# agg_iris_01.parquet, COM = 01004: code, P22_POP, men_tot_stock_22, dmv_65p_pct_22, men_seul_pct_22
AMBERIEU = [
    ("010040101", 2058.0, 702.79, 15.55, 41.16),
    ("010040102", 3987.0, 1777.32, 17.38, 44.41),
    ("010040202", 4988.0, 2204.56, 17.06, 30.59),
    ("010040201", 4521.0, 2379.34, 20.9, 47.7),
]


@pytest.fixture(scope="module")
def iris_table(built_cache):
    return pl.read_parquet(built_cache.cache_dir / "iris.parquet")


@pytest.fixture(scope="module")
def communes(built_cache):
    return pl.read_parquet(built_cache.cache_dir / "communes.parquet")


def _row(table: pl.DataFrame, code: str) -> dict:
    return table.filter(pl.col("code") == code).row(0, named=True)


def test_an_iris_takes_its_census_row_and_its_commune_values(iris_table, communes):
    row = _row(iris_table, "010040102")  # Longeray-Gare, Ambérieu-en-Bugey
    assert (row["nom"], row["commune"], row["commune_nom"], row["typ_iris"]) == (
        "Longeray-Gare", "01004", "Ambérieu-en-Bugey", "H")
    assert (row["population"], row["menages"]) == (3987.0, 1777.32)
    assert {k: row[k] for k in ("age65", "diplome", "menseul", "fammono", "chomage", "etrangers")} == {
        "age65": 17.38, "diplome": 62.32, "menseul": 44.41, "fammono": 11.03, "chomage": 20.27, "etrangers": 15.88}
    assert (row["pauvrete"], row["pauvrete_methode"], row["estime_pauvrete"], row["revenu_median"]) == (
        39.0, "publie", False, 16830.0)
    commune = _row(communes, "01004")
    assert {i: row[i] for i in COMMUNE_VALUES} == {i: commune[i] for i in COMMUNE_VALUES}
    assert row["fibre"] == pytest.approx(2.411308203991136)


def test_a_commune_of_one_iris_is_its_own_iris(iris_table, communes):
    row = _row(iris_table, "010010000")
    commune = _row(communes, "01001")
    assert (row["nom"], row["typ_iris"], row["commune"]) == ("L'Abergement-Clémenciat", "Z", "01001")
    # Filosofi secret for the commune: its estimate (from the median income) is the IRIS's, flagged
    assert (row["pauvrete"], row["estime_pauvrete"], row["pauvrete_methode"]) == (commune["pauvrete"], True, "commune")
    assert row["age65"] == commune["age65"] == 20.02


def test_paris_iris_belong_to_paris_with_their_arrondissement(iris_table):
    row = _row(iris_table, "751010104")
    assert (row["nom"], row["commune"], row["arrondissement"], row["population"]) == (
        "Saint-Germain l'Auxerrois 4", "75056", "75101", 0.0)


def test_commune_share_is_its_iris_pooled_by_the_right_denominator(iris_table, communes):
    by_population = (2058 * 15.55 + 3987 * 17.38 + 4988 * 17.06 + 4521 * 20.9) / (2058 + 3987 + 4988 + 4521)
    by_households = ((702.79 * 41.16 + 1777.32 * 44.41 + 2204.56 * 30.59 + 2379.34 * 47.7)
                     / (702.79 + 1777.32 + 2204.56 + 2379.34))
    assert by_population == pytest.approx(18.058386267198)
    assert by_households == pytest.approx(40.881825761855)
    rows = iris_table.filter(pl.col("commune") == "01004")
    assert sorted(rows["code"].to_list()) == sorted(c for c, *_ in AMBERIEU)
    commune = _row(communes, "01004")
    assert census_share(rows, "age65", "population") == pytest.approx(by_population, abs=1e-9)
    assert commune["age65"] == pytest.approx(by_population, abs=1e-9)
    assert census_share(rows, "menseul", "menages") == pytest.approx(by_households, abs=1e-9)
    assert commune["menseul"] == pytest.approx(by_households, abs=1e-9)


def test_reconciliation_of_iris_codes_in_the_report(built_cache):
    report = json.loads((built_cache.cache_dir / "report.json").read_text(encoding="utf-8"))
    codes = report["iris"]["codes_iris"]
    assert (codes["iris_recensement"], codes["iris_polygones"], codes["apparies"]) == (48487, 47999, 47895)
    assert (codes["seulement_recensement"], codes["seulement_polygones"]) == (592, 104)
    assert "132010101" in codes["codes_seulement_recensement"]  # Marseille: no IRIS polygons in the bundle
    assert "693810101" in codes["codes_seulement_recensement"]  # Lyon neither
    assert codes["codes_contour_vide"] == ["604140102", "870851403"]
    assert report["iris"]["iris"] == 48487


def test_scores_among_iris(iris_table):
    from ifn.iris import score_iris

    scored = score_iris(iris_table)
    assert scored.height == 48487
    assert scored.columns[:11] == ["code", "nom", "population", "ifn", "contexte", "n_indicateurs", "motif",
                                   "commune", "epci", "dep", "reg"]
    row = _row(scored, "010040102")
    assert (row["raw_age65"], row["imputed_age65"], row["raw_pauvrete"]) == (17.38, False, 39.0)
    # Saint-Germain l'Auxerrois 4 has no inhabitant: every census value is imputed from Paris's IRIS
    empty = _row(scored, "751010104")
    assert empty["imputed_age65"] is True and empty["imputed_fibre"] is False
    # normalised among the IRIS: the observed scores span 1 to 10
    observed = scored.filter(~pl.col("imputed_age65"))["score_age65"]
    assert (observed.min(), observed.max()) == (1.0, 10.0)


def test_cli_score_level_iris(built_cache, tmp_path):
    out = tmp_path / "iris.parquet"
    done = subprocess.run([sys.executable, "-m", "ifn", "score", "--level", "iris", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    table = pl.read_parquet(out)
    assert table.height == 48487
    for column in ("code", "nom", "ifn", "raw_fibre", "score_fibre", "imputed_fibre", "raw_pauvrete"):
        assert column in table.columns
    assert "48487 unités (iris)" in done.stdout


def test_search_finds_an_iris_with_its_commune(iris_table, communes):
    index = build_index(communes, None, iris_table)
    hits = search(index, "Saint-Germain l'Auxerrois 4")
    assert hits[0].level == "iris" and hits[0].code == "751010104"
    assert hits[0].label == "Saint-Germain l'Auxerrois 4 (IRIS de Paris)"
    assert [h.code for h in search(index, "751010104")] == ["751010104"]
    # an IRIS « Z » is the whole commune: found as the commune only
    assert [h.level for h in search(index, "L'Abergement-Clémenciat")] == ["commune"]


def test_shared_link_to_an_iris_view():
    state = select(urlstate.DEFAULT, "iris", "751010104")  # a search hit
    assert state == MapState("iris", "iris", "751010104")
    params = encode(state)
    assert params == {"carte": "iris", "niveau": "iris", "code": "751010104"}
    codes = {"iris": {"751010104"}, "commune": {"75056"}}
    assert decode(params, ["tout_age"], codes) == (state, [])
    assert view_area(state, "75", iris_commune="75056") == ("commune", "75056")
    # a commune on the IRIS map shows its IRIS; a click on one of them keeps the IRIS map
    commune = MapState("iris", "commune", "01004")
    assert view_area(commune) == ("commune", "01004")
    assert select(commune, "iris", "010040102") == MapState("iris", "iris", "010040102")
    assert with_map_level(MapState("commune", "commune", "01004"), "iris") == commune


def test_iris_map_falls_back_where_it_cannot_open():
    state, notices = decode({"carte": "iris", "niveau": "commune", "code": "97411"}, ["tout_age"])
    assert state == MapState("commune", "commune", "97411") and notices == [urlstate.NO_DROM_IRIS]
    state, notices = decode({"carte": "iris"}, ["tout_age"])
    assert state.map_level == "departement" and notices == [urlstate.NO_AREA_IRIS]
    state, notice = urlstate.iris_fallback(MapState("iris", "epci", "249740101"), drom=True)
    assert state.map_level == "commune" and notice == urlstate.NO_DROM_IRIS


def test_card_of_an_iris_labels_the_commune_values(iris_table, communes):
    from ifn.classify import classify
    from ifn.iris import iris_details, score_iris
    from ifn.score import score_all
    from ifn.territory import COMMUNE_VALUE_REASON, card

    tables = {**score_all(communes), "iris": score_iris(iris_table)}
    c = card(tables, "iris", "010040102", classify(tables["iris"]["ifn"], "equal"),
             {i: None for i in ("fibre", "couv4g", "age65", "diplome", "pauvrete")},
             ("fibre", "couv4g", "age65", "diplome", "pauvrete"), (), None,
             iris_details(_row(iris_table, "010040102")))
    reasons = {r.id: r.reason for r in c.indicators}
    assert reasons["fibre"] == reasons["couv4g"] == COMMUNE_VALUE_REASON
    assert reasons["age65"] is None and reasons["pauvrete"] is None
    assert [r["territoire"] for r in c.comparison] == [
        "Longeray-Gare (IRIS)", "Ambérieu-en-Bugey (Commune)", "Ain (Département)", "France"]


def test_an_iris_estimated_from_its_own_income_says_so(iris_table):
    from ifn.iris import iris_details
    from ifn.territory import estimate_text

    # Chevry Feuillarde (Gif-sur-Yvette): rate secret, median income published: the model among IRIS
    row = _row(iris_table, "912720109")
    assert row["pauvrete_methode"] == "revenu" and row["estime_pauvrete"]
    text = estimate_text("pauvrete", iris_details(row), "%")
    assert text.startswith("Valeur estimée à partir du revenu médian de l'IRIS (Filosofi 2021), de son nombre "
                           "de ménages et de sa région")
    assert "taille de la commune" not in text
    assert text.endswith("erreur moyenne ± 3,0 pt (validation croisée).")  # pauvrete_erreur 3.0226
