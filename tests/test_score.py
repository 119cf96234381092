"""The default method pinned on a hand-computed five-commune fixture.

Communes A, B, C (EPCI E1) and D, E (EPCI E2), all in département 01 / région 84.
Raw values (null = secret) and, with imputation off, the scores:

    fibre      10 20 30 40  –   → 1  4  7  10  –      (n = 4, F = 1/8, 3/8, 5/8, 7/8)
    couv4g   40 30 20 10  –   → 10 7  4  1   –
    age65     5  5 10 20  –   → 1  1  6.4 10 –      (ties: F(5) = 2/8, F(10) = 5/8, F(20) = 7/8)
    diplome   –  1  2  3  4   → –  1  4  7   10
    pauvrete  –  –  10 20 30  → –  –  1  5.5 10     (n = 3)

IFN (equal weights, at least 3 indicators): A 12/3 = 4, B 13/4 = 3.25, C 22.4/5 = 4.48,
D 33.5/5 = 6.7, E: 2 indicators only → no score.
"""

import polars as pl
import pytest

from ifn.errors import ConfigError, InputError
from ifn.score import ScoreOptions, resolve_selection, score_all, score_level, summary

AXIS2 = ["menseul", "fammono", "chomage", "etrangers", "dist_bibliotheque", "dist_france_services"]


def synthetic_communes() -> pl.DataFrame:
    n = 5
    return pl.DataFrame({
        "code": ["01001", "01002", "01003", "01004", "01005"],
        "nom": ["A", "B", "C", "D", "E"],
        "dep": ["01"] * n, "dep_nom": ["Ain"] * n,
        "reg": ["84"] * n, "reg_nom": ["Auvergne-Rhône-Alpes"] * n,
        "epci": ["E1", "E1", "E1", "E2", "E2"], "epci_nom": ["Un", "Un", "Un", "Deux", "Deux"],
        "population": pl.Series([100, 100, 200, 100, 100], dtype=pl.Int64),
        "codes_postaux": [["01000"], ["01000"], ["01100"], ["01200"], ["01200"]],
        "fibre": [10.0, 20.0, 30.0, 40.0, None],
        "couv4g": [40.0, 30.0, 20.0, 10.0, None],
        "age65": [5.0, 5.0, 10.0, 20.0, None],
        "diplome": [None, 1.0, 2.0, 3.0, 4.0],
        "pauvrete": [None, None, 10.0, 20.0, 30.0],
        "menseul": [1.0, 2.0, 3.0, 4.0, 5.0],
        "fammono": pl.Series([None] * n, dtype=pl.Float64),
        "chomage": pl.Series([None] * n, dtype=pl.Float64),
        "etrangers": pl.Series([None] * n, dtype=pl.Float64),
        "dist_bibliotheque": [100.0, 100.0, 0.0, 100.0, 100.0],
        "dist_france_services": [100.0, 0.0, 100.0, 100.0, 100.0],
        "thd30": pl.Series([None] * n, dtype=pl.Float64),
        "couv4g_min": pl.Series([None] * n, dtype=pl.Float64),
        "dist_mediation": pl.Series([None] * n, dtype=pl.Float64),
        "fibre_locaux": [100.0, 100.0, 100.0, 100.0, None],
        "fibre_raccordables": [90.0, 80.0, 70.0, 60.0, None],
        "locaux": pl.Series([None] * n, dtype=pl.Float64),
        "locaux_30m": pl.Series([None] * n, dtype=pl.Float64),
        # surfaces proportional to the populations: surface-pooled values equal population-weighted ones
        "surface_4g_km2": [100.0, 100.0, 200.0, 100.0, 100.0],
        "surface_couverte_4g_km2": [60.0, 70.0, 160.0, 90.0, None],
        "surface_couverte_4g_min_km2": pl.Series([None] * n, dtype=pl.Float64),
        # households proportional to the populations too
        "menages_2022": [100.0, 100.0, 200.0, 100.0, 100.0],
        "menseul_menages_complement": [99.0, 98.0, 194.0, 96.0, 95.0],
        "fammono_menages_complement": pl.Series([None] * n, dtype=pl.Float64),
    })


def by_code(df: pl.DataFrame, column: str) -> dict:
    return dict(zip(df["code"], df[column]))


NO_IMPUTE = ScoreOptions(impute=False)


def test_indicator_scores_without_imputation():
    out = score_level(synthetic_communes(), "commune", NO_IMPUTE)
    assert out["score_fibre"].to_list()[:4] == pytest.approx([1, 4, 7, 10])
    assert out["score_couv4g"].to_list()[:4] == pytest.approx([10, 7, 4, 1])
    assert out["score_age65"].to_list()[:4] == pytest.approx([1, 1, 6.4, 10])
    assert out["score_diplome"].to_list()[1:] == pytest.approx([1, 4, 7, 10])
    assert out["score_pauvrete"].to_list()[2:] == pytest.approx([1, 5.5, 10])
    assert out["score_fibre"][4] is None


def test_ifn_three_of_five_rule():
    out = score_level(synthetic_communes(), "commune", NO_IMPUTE)
    ifn = out["ifn"].to_list()
    assert ifn[:4] == pytest.approx([4.0, 3.25, 4.48, 6.7])
    assert ifn[4] is None
    assert out["n_indicateurs"].to_list() == [3, 4, 5, 5, 2]
    motif = out["motif"][4]
    assert motif.startswith("2 indicateur(s) disponible(s) sur 5 (minimum 3)")
    assert "Locaux non raccordables à la fibre" in motif
    assert out["motif"][0] is None


def test_weights_and_their_scale():
    w = {"fibre": 2, "couv4g": 1, "age65": 1, "diplome": 1, "pauvrete": 1}
    out = score_level(synthetic_communes(), "commune", ScoreOptions(weights=w, impute=False))
    # A (1·2 + 10 + 1)/4, B (8 + 7 + 1 + 1)/5, C (14 + 4 + 6.4 + 4 + 1)/6, D (20 + 1 + 10 + 7 + 5.5)/6
    assert out["ifn"].to_list()[:4] == pytest.approx([3.25, 3.4, 4.9, 7.25])
    tripled = score_level(synthetic_communes(), "commune",
                          ScoreOptions(weights={k: 3 * v for k, v in w.items()}, impute=False))
    assert tripled["ifn"].to_list()[:4] == pytest.approx(out["ifn"].to_list()[:4])


def test_fewer_than_three_selected_indicators_require_all_of_them():
    out = score_level(synthetic_communes(), "commune", ScoreOptions(weights={"fibre": 1, "couv4g": 1}, impute=False))
    assert out["ifn"].to_list() == pytest.approx([5.5, 5.5, 5.5, 5.5, None])


def test_zero_weight_excludes_indicator():
    w = {"fibre": 1, "couv4g": 1, "age65": 1, "diplome": 1, "pauvrete": 0}
    out = score_level(synthetic_communes(), "commune", ScoreOptions(weights=w, impute=False))
    # D: (10 + 1 + 10 + 7)/4
    assert by_code(out, "ifn")["01004"] == pytest.approx(7.0)
    assert "score_pauvrete" in out.columns  # still reported


def test_axis2_in_weights_is_folded_in():
    w = {"fibre": 1, "couv4g": 1, "age65": 1, "menseul": 1}
    out = score_level(synthetic_communes(), "commune", ScoreOptions(weights=w, impute=False))
    # menseul 1..5 → 1, 3.25, 5.5, 7.75, 10 ; A: (1 + 10 + 1 + 1)/4
    assert by_code(out, "ifn")["01001"] == pytest.approx(13 / 4)


def test_contexte_is_mean_of_available_axis2_scores():
    out = score_level(synthetic_communes(), "commune", NO_IMPUTE)
    # menseul scores 1, 3.25, 5.5, 7.75, 10; dist_bibliotheque (0 ×1, 100 ×4): F(0) = .1, F(100) = .6 → 1, 10
    # dist_france_services: same pattern → 1 or 10
    assert out["contexte"].to_list() == pytest.approx([
        (1 + 10 + 10) / 3, (3.25 + 10 + 1) / 3, (5.5 + 1 + 10) / 3, (7.75 + 10 + 10) / 3, (10 + 10 + 10) / 3])


def test_imputation_flags_and_scores():
    out = score_level(synthetic_communes(), "commune", ScoreOptions())
    # A diplome = (1·100 + 2·200)/300 = 5/3, F = 1/4 → 1 + 9 (1/4 − 1/8)/(3/4) = 2.5
    assert by_code(out, "raw_diplome")["01001"] == pytest.approx(5 / 3)
    assert by_code(out, "score_diplome")["01001"] == pytest.approx(2.5)
    assert by_code(out, "imputed_diplome") == {"01001": True, "01002": False, "01003": False,
                                               "01004": False, "01005": False}
    # A and B pauvrete from E1 (only C = 10) → score 1 ; E from E2 (D): fibre 40, couv4g 10, age65 20
    assert by_code(out, "raw_pauvrete")["01002"] == pytest.approx(10.0)
    assert by_code(out, "score_pauvrete")["01002"] == pytest.approx(1.0)
    assert by_code(out, "ifn")["01001"] == pytest.approx((1 + 10 + 1 + 2.5 + 1) / 5)
    assert by_code(out, "ifn")["01005"] == pytest.approx((10 + 1 + 10 + 10 + 10) / 5)
    # observed units keep the scores computed without imputation
    plain = score_level(synthetic_communes(), "commune", NO_IMPUTE)
    assert by_code(out, "ifn")["01003"] == pytest.approx(by_code(plain, "ifn")["01003"])
    assert summary(out)["imputees"]["pauvrete"] == 2
    assert summary(out)["sans_score"] == 0
    # an all-null indicator cannot be imputed
    assert not out["imputed_chomage"].any() and out["score_chomage"].null_count() == 5


def test_output_columns():
    out = score_level(synthetic_communes(), "commune", ScoreOptions())
    assert out.columns[:10] == ["code", "nom", "population", "ifn", "contexte", "n_indicateurs", "motif",
                                "dep", "reg", "epci"]
    for i in ["fibre", "couv4g", "age65", "diplome", "pauvrete", *AXIS2]:
        assert {f"raw_{i}", f"score_{i}", f"imputed_{i}"} <= set(out.columns)


def test_epci_level():
    out = score_level(synthetic_communes(), "epci", ScoreOptions())
    assert out["code"].to_list() == ["E1", "E2"]
    assert out["nom"].to_list() == ["Un", "Deux"]
    assert out["population"].to_list() == [400, 200]
    # THD pooled over observed communes: E1 100·(1 − 240/300) = 20, E2 = 40 (E has no premises counted)
    assert out["raw_fibre"].to_list() == pytest.approx([20.0, 40.0])
    assert out["part_pop_observee_fibre"].to_list() == pytest.approx([1.0, 0.5])
    # diplome: E1 observed B, C → (100 + 400)/300 ; share of population observed 300/400
    assert out["raw_diplome"].to_list() == pytest.approx([5 / 3, 3.5])
    assert out["part_pop_observee_diplome"].to_list() == pytest.approx([0.75, 1.0])
    # two units: lower value → 1, higher → 10
    assert out["score_fibre"].to_list() == pytest.approx([1.0, 10.0])
    assert out["score_couv4g"].to_list() == pytest.approx([10.0, 1.0])
    assert out["dep"].to_list() == ["01", "01"] and out["reg"].to_list() == ["84", "84"]


def test_single_unit_level_gets_middle_scores():
    out = score_level(synthetic_communes(), "departement", ScoreOptions())
    assert out.height == 1 and out["ifn"][0] == pytest.approx(5.5)
    assert out["reg"][0] == "84"


def test_score_all_levels():
    out = score_all(synthetic_communes().lazy(), ScoreOptions())
    assert set(out) == {"commune", "epci", "departement", "region"}
    assert [out[k].height for k in ("commune", "epci", "departement", "region")] == [5, 2, 1, 1]


def test_base100_france_reference():
    out = score_level(synthetic_communes(), "commune", ScoreOptions(method="base100", impute=False))
    # France THD pooled: 100·(1 − 300/400) = 25 → A: 100·10/25
    assert by_code(out, "score_fibre")["01001"] == pytest.approx(40.0)
    # France couv4g: population-weighted (40·100 + 30·100 + 20·200 + 10·100)/500 = 24 → D 100·10/24
    assert by_code(out, "score_couv4g")["01004"] == pytest.approx(1000 / 24)


def test_base100_own_departement_and_named_reference():
    own = score_level(synthetic_communes(), "commune", ScoreOptions(method="base100", reference="dep", impute=False))
    named = score_level(synthetic_communes(), "commune",
                        ScoreOptions(method="base100", reference="dep:01", impute=False))
    assert own["score_fibre"].to_list()[:4] == pytest.approx(named["score_fibre"].to_list()[:4])
    with pytest.raises(InputError, match="dep:99"):
        score_level(synthetic_communes(), "commune", ScoreOptions(method="base100", reference="dep:99"))


def test_decile_and_minmax_methods_run():
    dec = score_level(synthetic_communes(), "commune", ScoreOptions(method="decile", impute=False))
    # fibre F = 1/8, 3/8, 5/8, 7/8 → ceil(10 F) = 2, 4, 7, 9
    assert dec["score_fibre"].to_list()[:4] == [2, 4, 7, 9]
    mm = score_level(synthetic_communes(), "commune", ScoreOptions(method="minmax", impute=False))
    assert mm["score_fibre"][0] == 1.0 and mm["score_fibre"][3] == 10.0


def test_custom_indicator_from_extra():
    extra = pl.DataFrame({"code": ["01001", "01002", "01003", "01004"], "fibre_maison": [4.0, 3.0, 2.0, 1.0]})
    w = {"fibre": 1, "couv4g": 1, "age65": 1, "fibre_maison": 1}
    out = score_level(synthetic_communes(), "commune", ScoreOptions(weights=w, impute=False), extra=extra)
    assert out["score_fibre_maison"].to_list()[:4] == pytest.approx([10, 7, 4, 1])
    assert by_code(out, "ifn")["01001"] == pytest.approx((1 + 10 + 1 + 10) / 4)
    epci = score_level(synthetic_communes(), "epci", ScoreOptions(weights=w), extra=extra)
    assert "raw_fibre_maison" in epci.columns


@pytest.mark.parametrize("weights, message", [
    ({"inconnu": 1}, "Indicateur inconnu « inconnu »"),
    ({"fibre": -1}, "positif ou nul"),
    ({"fibre": 0, "couv4g": 0}, "Tous les poids sont nuls"),
    ({"fibre": "lourd"}, "un nombre est attendu"),
])
def test_bad_weights(weights, message):
    with pytest.raises(InputError, match=message):
        resolve_selection(ScoreOptions(weights=weights))


def test_bad_method_variant_level():
    with pytest.raises(InputError, match="Méthode inconnue"):
        resolve_selection(ScoreOptions(method="zscore"))
    with pytest.raises(ConfigError, match="Variante inconnue"):
        resolve_selection(ScoreOptions(variant="ado"))
    with pytest.raises(InputError, match="Niveau inconnu"):
        score_level(synthetic_communes(), "iris")


def test_rescore_equals_full_run():
    from ifn.score import prepare_levels, rescore

    w = {"fibre": 2, "couv4g": 1, "age65": 1, "diplome": 1, "pauvrete": 1}
    prepared = prepare_levels(synthetic_communes(), ScoreOptions(impute=False))
    again = rescore(prepared, w)
    full = score_all(synthetic_communes(), ScoreOptions(weights=w, impute=False))
    for level in full:
        assert again[level].equals(full[level]), level
    assert again["commune"]["ifn"].to_list()[:4] == pytest.approx([3.25, 3.4, 4.9, 7.25])


def test_score_all_matches_score_level():
    all_levels = score_all(synthetic_communes(), ScoreOptions())
    for level, frame in all_levels.items():
        single = score_level(synthetic_communes(), level, ScoreOptions())
        assert frame.columns == single.columns
        for c in frame.columns:
            if frame.schema[c].is_float():
                assert frame[c].to_list() == pytest.approx(single[c].to_list(), nan_ok=True), (level, c)
            else:
                assert frame[c].to_list() == single[c].to_list(), (level, c)


def test_unmatched_extra_codes_are_reported():
    from ifn.score import unmatched_extra_codes

    extra = pl.DataFrame({"code": ["01001", "99999"], "perso": [1.0, 2.0]})
    assert unmatched_extra_codes(synthetic_communes(), extra) == ["99999"]


def test_base100_reference_checks():
    with pytest.raises(InputError, match="impossible au niveau « region »"):
        score_level(synthetic_communes(), "region", ScoreOptions(method="base100", reference="dep"))
    own = score_level(synthetic_communes(), "departement", ScoreOptions(method="base100", reference="dep"))
    assert own["score_fibre"][0] == pytest.approx(100.0)
    epci = score_level(synthetic_communes(), "epci", ScoreOptions(method="base100", reference="reg"))
    # E1 fibre 20 vs région 25 (pooled over A–D)
    assert epci["score_fibre"].to_list() == pytest.approx([80.0, 160.0])
