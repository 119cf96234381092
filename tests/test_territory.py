"""Territory card figures and comparison table on small hand-made scored tables."""

from __future__ import annotations

import polars as pl
import pytest

from ifn.classify import classify
from ifn.errors import InputError
from ifn.territory import IMPUTED_REASON, MISSING_REASON, card, compare_table, find_row, fmt_value, rank_of

IDS = ("fibre", "couv4g", "age65")
CONTEXT = ("menseul",)


def _table(codes, noms, ifns, deps, raws, flags):
    data = {"code": codes, "nom": noms, "population": [100] * len(codes), "ifn": ifns, "contexte": [None] * len(codes),
            "motif": [None if v is not None else "2 indicateur(s) disponible(s) sur 3 (minimum 3)" for v in ifns],
            "dep": deps}
    for j, i in enumerate(IDS + CONTEXT):
        data[f"raw_{i}"] = [r[j] for r in raws]
        data[f"score_{i}"] = [None if r[j] is None else r[j] / 10 for r in raws]
        data[f"imputed_{i}"] = [f[j] for f in flags]
    return pl.DataFrame(data, schema_overrides={"ifn": pl.Float64, "contexte": pl.Float64,
                                                **{f"raw_{i}": pl.Float64 for i in IDS + CONTEXT},
                                                **{f"score_{i}": pl.Float64 for i in IDS + CONTEXT}})


@pytest.fixture()
def scored():
    no = (False,) * 4
    communes = _table(["01001", "01002", "01003", "02001"], ["A", "B", "C", "D"], [7.0, 3.0, None, 9.0],
                      ["01", "01", "01", "02"],
                      [(10.0, 20.0, 30.0, 40.0), (50.0, 60.0, 70.0, 80.0), (None, 5.0, 6.0, 7.0),
                       (90.0, 90.0, 90.0, 90.0)],
                      [no, (False, True, False, False), no, no])
    deps = _table(["01", "02"], ["Ain", "Aisne"], [4.0, 8.0], [None, None],
                  [(30.0, 40.0, 50.0, 60.0), (90.0, 90.0, 90.0, 90.0)], [no, no]).drop("dep")
    return {"commune": communes, "departement": deps}


def test_rank_of(scored):
    t = scored["commune"]
    assert rank_of(t, "01001") == (2, 3)
    assert rank_of(t, "01001", "dep") == (1, 2)
    assert rank_of(t, "01002", "dep") == (2, 2)
    assert rank_of(t, "01003") == (None, 3)


def test_find_row_unknown_code_is_french(scored):
    with pytest.raises(InputError, match="Aucun territoire de code « 99999 » au niveau Commune"):
        find_row(scored["commune"], "99999", "commune")


def test_card(scored):
    france = {"fibre": 45.0, "couv4g": 15.0, "age65": 25.0, "menseul": 35.0}
    c = card(scored, "commune", "01002", classify([1, 10], "equal"), france, IDS, CONTEXT)
    assert (c.name, c.ifn, c.rank_dep, c.n_dep, c.rank_france, c.n_france) == ("B", 3.0, 2, 2, 3, 3)
    assert c.class_label == "2,8 – 4,6"
    assert c.colour == "#fecc5c"
    fibre, couv4g, age = c.indicators
    assert (fibre.raw, fibre.score, fibre.imputed, fibre.reason, fibre.unit) == (50.0, 5.0, False, None, "%")
    assert (couv4g.imputed, couv4g.reason) == (True, IMPUTED_REASON)
    assert "ARCEP" in fibre.source and fibre.vintage == "données au 30/06/2026 (Cartefibre T2 2026)"
    assert fibre.definition.startswith("1 − locaux raccordables à la fibre")
    # without the commune's own details, an indicator with a fallback source lists both sources
    assert age.source.endswith("2017 (bases chiffres clés, extrait de 2020), DROM") and age.vintage == "RP 2022 ; RP 2017"
    assert [r.id for r in c.context] == ["menseul"]
    assert [r["territoire"] for r in c.comparison] == ["B (Commune)", "Ain (Département)", "France"]
    assert [r["ifn"] for r in c.comparison] == [3.0, 4.0, None]
    assert [r["fibre"] for r in c.comparison] == [50.0, 30.0, 45.0]


def test_card_missing_value_and_no_score(scored):
    c = card(scored, "commune", "01003", classify([1, 10], "equal"), {}, IDS, CONTEXT)
    assert c.ifn is None and c.class_label == "Données insuffisantes" and c.colour == "#bdbdbd"
    assert c.motif.startswith("2 indicateur(s)")
    assert (c.indicators[0].raw, c.indicators[0].reason, c.indicators[0].imputed) == (None, MISSING_REASON, False)


def test_card_says_which_source_and_estimate_each_value_has(scored):
    details = {"source_age65": "recensement_2017_drom", "fibre_methode": None,
               "couv4g_methode": "revenu", "couv4g_erreur": 1.72}
    c = card(scored, "commune", "01002", classify([1, 10], "equal"), {}, IDS, CONTEXT, details=details)
    fibre, couv4g, age = c.indicators
    assert (age.source, age.vintage) == (
        "INSEE, recensement de la population 2017 (bases chiffres clés, extrait de 2020), DROM", "RP 2017")
    assert couv4g.estimate == ("Valeur estimée à partir du revenu médian (Filosofi 2021) et de la taille de la commune "
                               "(le taux n'est pas publié : secret statistique), erreur moyenne ± 1,7 pt "
                               "(validation croisée).")
    assert couv4g.reason == couv4g.estimate and couv4g.imputed
    absent = card(scored, "commune", "01003", classify([1, 10], "equal"), {}, IDS, CONTEXT,
                  details={"fibre_absence": "commune rétablie en 2025"})
    assert absent.indicators[0].reason == "Pas de valeur : commune rétablie en 2025."


def test_compare_table(scored):
    table = compare_table(scored, [("commune", "01001"), ("departement", "02"), ("commune", "nope")], IDS)
    assert table.columns == ["territoire", "niveau", "code", "ifn", "raw_fibre", "raw_couv4g", "raw_age65",
                             "score_fibre", "score_couv4g", "score_age65"]
    assert table.rows() == [("A", "Commune", "01001", 7.0, 10.0, 20.0, 30.0, 1.0, 2.0, 3.0),
                            ("Aisne", "Département", "02", 8.0, 90.0, 90.0, 90.0, 9.0, 9.0, 9.0)]
    assert compare_table(scored, [], IDS).height == 0


def test_fmt_value():
    assert fmt_value(12.345, "%") == "12,3 %"
    assert fmt_value(None, "%") == "—"
    assert fmt_value(4.0) == "4,0"


def test_real_card(built_cache):
    from ifn.cache import load_communes
    from ifn.score import score_all
    from ifn.territory import france_values

    communes = load_communes().collect()
    tables = score_all(communes)
    france = france_values(communes)
    c = card(tables, "departement", "29", classify(tables["departement"]["ifn"], "equal"), france,
             ("fibre", "couv4g", "age65", "diplome", "pauvrete"), ("menseul",))
    # Mayotte has neither census nor Filosofi here: 2 indicators of 5 (fibre, 4G), below the minimum of 3
    assert c.name == "Finistère" and c.n_france == 100 and c.rank_dep is None
    mayotte = tables["departement"].filter(pl.col("code") == "976").row(0, named=True)
    assert mayotte["ifn"] is None and mayotte["motif"].startswith("2 indicateur(s) disponible(s) sur 5 (minimum 3)")
    assert c.comparison[-1]["territoire"] == "France"
    # France: population-weighted mean of the communes with a value (population légale 2023)
    observed = communes.filter(pl.col("age65").is_not_null())
    expected = (observed["age65"] * observed["population"]).sum() / observed["population"].sum()
    assert c.comparison[-1]["age65"] == pytest.approx(expected, rel=1e-12)
    assert 20 < expected < 23
