"""Variants « Senior » and « Jeune »: catalogue, official-indicator table, derived values, one commune of
each variant computed by hand from the real rows of the bundle, shared link, preset and command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from ifn import estimate, methodology, presets, urlstate, variant_values
from ifn.catalogue import CATALOGUE_PATH, load_catalogue, parse_catalogue
from ifn.errors import ConfigError
from ifn.score import ScoreOptions, score_all

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- catalogue and methodology
def test_variants_and_their_indicators():
    cat = load_catalogue()
    assert [v.id for v in cat.variants] == ["tout_age", "senior", "jeune"]
    assert cat.variant("senior").indicators == ("fibre", "couv4g", "age75", "diplome", "pauvrete_60p")
    assert cat.variant("jeune").indicators == ("fibre", "couv4g", "pauvrete_moins30", "diplome")
    assert "seul80" in cat.variant("senior").context and "chomage5564" in cat.variant("senior").context
    assert "chomage1524" in cat.variant("jeune").context
    for id in ("age75", "pauvrete_60p", "pauvrete_moins30", "seul80", "chomage5564", "chomage1524"):
        ind = cat.indicator(id)
        assert ind.source_ids and ind.definition and ind.range == (0.0, 100.0), id
    assert cat.indicator("pauvrete_60p").estimate == "pauvrete_60p_estimee"
    assert cat.indicator("pauvrete_moins30").estimate == "pauvrete_moins30_estimee"


def test_every_indicator_of_every_variant_has_its_official_row():
    assert methodology.unmapped() == []


def test_an_indicator_without_official_row_is_reported():
    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    row = 'ours = "chomage5564"\nstatus = "approche"'
    assert text.count(row) == 1
    cut = parse_catalogue(text.replace(row, 'status = "manquant"'))  # the official row no longer names it
    assert methodology.unmapped(cut) == [("senior", "chomage5564")]


def test_official_rows_are_validated():
    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    bad = text.replace('ours = "pauvrete_moins30"\nstatus = "identique"', 'ours = "pauvrete_moins30"\nstatus = "pareil"', 1)
    with pytest.raises(ConfigError, match="statut « pareil » inconnu"):
        parse_catalogue(bad)
    foreign = text.replace('ours = "pauvrete_moins30"\nstatus = "identique"', 'ours = "age65"\nstatus = "identique"', 1)
    with pytest.raises(ConfigError, match="« age65 », qui n'est pas un indicateur de la variante « jeune »"):
        parse_catalogue(foreign)


def test_official_table_of_senior():
    cat = load_catalogue()
    rows = methodology.official_table(cat.variant("senior"), cat)
    poverty = next(r for r in rows if r["Indicateur officiel"] == "Taux de pauvreté des 50 ans et plus")
    assert poverty["Indicateur de l'outil"] == "Taux de pauvreté des ménages dont le référent a 60 ans ou plus (pauvrete_60p)"
    assert poverty["Correspondance"] == "approché" and poverty["Axe"] == "Indice"
    assert [r["Axe"] for r in rows] == sorted((r["Axe"] for r in rows), key=["Indice", "Contexte"].index)
    missing = [r["Indicateur officiel"] for r in methodology.official_table(cat.variant("jeune"), cat)
               if r["Correspondance"] == "manquant"]
    assert "Part des 16-25 ans ni en emploi ni en formation" in missing


def test_methodology_document_holds_the_generated_tables():
    doc = (ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")
    assert methodology.markdown() in doc, "docs/methodology.md : regénérer la section avec ifn.methodology.markdown()"


def test_card_line_says_which_variant_and_what_differs():
    assert methodology.variant_summary("tout_age").startswith("Variante affichée : Tout âge.")
    senior = methodology.variant_summary("senior")
    assert senior.startswith("Variante affichée : Senior. Par rapport à « Tout âge » — indice : « 75 ans et + », "
                             "« Pauvreté 60 ans et + » au lieu de « 65 ans et + », « Pauvreté » ; contexte : "
                             "« 80 ans et + seuls », « Chômage 55-64 ans » au lieu de « Personnes seules », « Chômage ».")
    assert "DROM" in senior
    assert "au lieu de « Chômage »" in methodology.variant_summary("jeune")


# --------------------------------------------------------------------------- derived values
def test_poverty_60_plus_by_hand():
    table = pl.DataFrame({
        "code": ["01001", "01002", "97201", "01003"],
        "population_2022": [1000, 3000, 500, 100],
        "age60": [30.0, 20.0, None, 25.0],
        "age75": [10.0, 5.0, None, 5.0],
        "pauvrete_60_74": [12.0, 10.0, None, None],
        "pauvrete_60_74_estimee": [None, None, 20.0, None],
        "pauvrete_60_74_erreur": [None, None, 2.0, None],
        "pauvrete_75p": [None, 8.0, None, None],
        "pauvrete_75p_estimee": [18.0, None, 16.0, None],
        "pauvrete_75p_erreur": [3.0, None, 4.0, None],
    })
    out = variant_values.poverty_60_plus(table)
    # 01001: 75+ are 10/30 of the 60+: 2/3 · 12 (published) + 1/3 · 18 (estimated ± 3) = 14 ± 1
    # 01002: both published, 5/20 of the 60+ are 75+: 0.75 · 10 + 0.25 · 8 = 9.5
    # 97201: no census: national weights over 01001, 01002, 01003: 60–74 = 200 + 450 + 20, 75+ = 100 + 150 + 5
    s = 255 / 925
    assert out["pauvrete_60p"].to_list()[:2] == [None, pytest.approx(9.5)]
    assert out["pauvrete_60p_estimee"].to_list()[0] == pytest.approx(14.0)
    assert out["pauvrete_60p_erreur"].to_list()[0] == pytest.approx(1.0)
    assert out["pauvrete_60p_estimee"][2] == pytest.approx((1 - s) * 20 + s * 16)
    assert out["pauvrete_60p_erreur"][2] == pytest.approx((1 - s) * 2 + s * 4)
    assert out["pauvrete_60p_methode"].to_list() == ["revenu", "publie", "revenu", None]
    assert out["pauvrete_60p_poids_75p"].to_list()[:3] == [pytest.approx(1 / 3), pytest.approx(0.25), pytest.approx(s)]
    assert out["source_pauvrete_60p"].to_list() == ["filosofi_2021"] * 3 + [None]


def test_absence_reasons_for_the_drom():
    table = pl.DataFrame({"code": ["97101", "97201", "01001"], "age75": [None, None, 9.0],
                          "pauvrete_moins30": [None, None, 20.0], "pauvrete_moins30_estimee": [None, 25.0, None]})
    out = variant_values.absence_reasons(table)
    assert out["age75_absence"].to_list() == [variant_values.NO_CENSUS, variant_values.NO_CENSUS, None]
    assert out["pauvrete_moins30_absence"].to_list() == [variant_values.NO_FILOSOFI, None, None]


def _synthetic_filosofi(n_per_dep: int = 40) -> pl.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for d, dep in enumerate(("01", "02", "03", "04")):
        for i in range(n_per_dep):
            med = 16_000 + 400 * i + 300 * d
            menages = 400 if i < 10 else 3_000 + 100 * i  # the 10 small communes are secret
            rate = 80 - 6 * np.log(med) + rng.normal(0, 1)
            rows.append({"dep": dep, "menages": float(menages), "med21": float(med),
                         "taux": None if i < 10 else float(rate)})
    return pl.DataFrame(rows, schema={"dep": pl.String, "menages": pl.Float64, "med21": pl.Float64, "taux": pl.Float64})


def test_estimate_rate_fills_secret_rows_with_an_error():
    frame = _synthetic_filosofi()
    out, errors = estimate.estimate_rate(frame, "taux", "x")
    secret = out.filter(pl.col("taux").is_null())
    assert secret.height == 40 and secret["x_estimee"].null_count() == 0 and set(secret["x_methode"]) == {"revenu"}
    assert out.filter(pl.col("taux").is_not_null())["x_estimee"].null_count() == 120
    # No published commune under 1,000 households: the smallest class with ≥ 30 validating communes gives the error
    classes = {r["classe"]: r for r in errors.iter_rows(named=True)}
    assert "moins de 1 000 ménages" not in classes
    fallback = next(classes[c]["mae"] for c in estimate.SIZE_LABELS
                    if c in classes and classes[c]["n"] >= estimate.MIN_VALIDATION)
    assert secret["x_erreur"].unique().to_list() == [pytest.approx(fallback)]


# --------------------------------------------------------------------------- one commune per variant, by hand
def _filosofi_row(bundle: Path, code: str) -> dict[str, str]:
    with (bundle / "insee/filosofi-2021/cc_filosofi_2021_COM.csv").open(encoding="utf-8") as fh:
        return next(r for r in csv.DictReader(fh, delimiter=";") if r["CODGEO"] == code)


def _fr(text: str) -> float:
    return float(text.replace(",", "."))


def _fibre(bundle: Path, dep: str, code: str) -> float:
    entry = json.loads((bundle / f"arcep/ma-connexion-internet-2026T2/{dep}.json").read_text(encoding="utf-8"))[code]
    return 100 * (1 - entry["f"][0] / entry["f"][1])


def _couv4g(bundle: Path, code: str) -> float:
    with (bundle / "arcep/mon-reseau-mobile-2019T3/couverture_4g_3g_surface_communes_2019T3.csv").open(encoding="utf-8") as fh:
        return 100 * (1 - float(next(r for r in csv.DictReader(fh) if r["code"] == code)["tx_4G_max"]))


def _hand_score(values: np.ndarray, x: float) -> float:
    """Mid-rank percentile F, rescaled so that the smallest observed value is 1 and the largest 10 (§4)."""
    F = lambda y: ((values < y).sum() + 0.5 * (values == y).sum()) / len(values)  # noqa: E731
    lo, hi = F(values.min()), F(values.max())
    return 1 + 9 * (F(x) - lo) / (hi - lo)


def _check_scores(communes: pl.DataFrame, row: dict, ids: tuple[str, ...]) -> None:
    hand = []
    for id in ids:
        observed = communes[id].drop_nulls().to_numpy()
        hand.append(_hand_score(observed, row[f"raw_{id}"]))
        assert row[f"score_{id}"] == pytest.approx(hand[-1], abs=1e-9), id
    assert row["ifn"] == pytest.approx(sum(hand) / len(hand), abs=1e-9)


def test_senior_le_grau_du_roi_by_hand(built_cache, bundle_dir):
    """Le Grau-du-Roi (30133): 2 IRIS, Filosofi rates of the 60–74 (13 %) and 75+ (12 %) published."""
    filo = _filosofi_row(bundle_dir, "30133")
    assert (filo["TP60AGE521"], filo["TP60AGE621"]) == ("13,0", "12,0")
    iris = pl.read_parquet(bundle_dir / "insee/rp-2022-iris/agg_iris_30.parquet").filter(pl.col("COM") == "30133")
    assert iris.height == 2
    pop = iris["P22_POP"].to_numpy()  # 4 110 and 4 403 inhabitants
    age60 = float((pop * iris["dmv_60p_pct_22"].to_numpy()).sum() / pop.sum())  # (4110·52,36 + 4403·53,69) ÷ 8513
    age75 = float((pop * iris["dmv_75p_pct_22"].to_numpy()).sum() / pop.sum())  # (4110·23,14 + 4403·20,96) ÷ 8513
    assert age75 == pytest.approx(22.0125, abs=1e-4) and age60 == pytest.approx(53.0479, abs=1e-4)
    share75 = age75 / age60
    c5k = pl.read_parquet(bundle_dir / "insee/rp-2022-iris/agg_commARM_5Khab.parquet").filter(pl.col("code") == "30133")
    expected = {
        "fibre": _fibre(bundle_dir, "30", "30133"),           # 1 − 24 959 ÷ 25 314
        "couv4g": _couv4g(bundle_dir, "30133"),               # 1 − 0,97638…
        "age75": age75,
        "diplome": float(c5k["dsp_dipl_infbac_pct_22"][0]),   # 59,41: the 5k commune file, exact value
        "pauvrete_60p": (1 - share75) * 13.0 + share75 * 12.0,
    }
    assert expected["pauvrete_60p"] == pytest.approx(12.585, abs=1e-3)
    communes = pl.read_parquet(built_cache.cache_dir / "communes.parquet")
    cached = communes.filter(pl.col("code") == "30133").row(0, named=True)
    assert cached["pauvrete_60p_methode"] == "publie" and not cached["estime_pauvrete_60p"]
    row = score_all(communes.lazy(), ScoreOptions(variant="senior"))["commune"].filter(pl.col("code") == "30133").row(0, named=True)
    for id, value in expected.items():
        assert row[f"raw_{id}"] == pytest.approx(value, abs=1e-9), id
        assert not row[f"imputed_{id}"], id
    _check_scores(communes, row, load_catalogue().variant("senior").indicators)
    assert row["ifn"] == pytest.approx(7.5467, abs=1e-4)


def test_jeune_bohain_en_vermandois_by_hand(built_cache, bundle_dir):
    """Bohain-en-Vermandois (02095): one IRIS, poverty of the under-30 households published (55 %)."""
    filo = _filosofi_row(bundle_dir, "02095")
    iris = pl.read_parquet(bundle_dir / "insee/rp-2022-iris/agg_iris_02.parquet").filter(pl.col("COM") == "02095")
    assert iris.height == 1
    expected = {
        "fibre": _fibre(bundle_dir, "02", "02095"),           # 1 − 3 405 ÷ 3 427
        "couv4g": _couv4g(bundle_dir, "02095"),               # tx_4G_max = 1: 0
        "pauvrete_moins30": _fr(filo["TP60AGE121"]),          # 55,0
        "diplome": float(iris["dsp_dipl_infbac_pct_22"][0]),  # 80,04: the commune is one IRIS
    }
    assert expected["pauvrete_moins30"] == 55.0 and expected["couv4g"] == 0.0
    communes = pl.read_parquet(built_cache.cache_dir / "communes.parquet")
    row = score_all(communes.lazy(), ScoreOptions(variant="jeune"))["commune"].filter(pl.col("code") == "02095").row(0, named=True)
    for id, value in expected.items():
        assert row[f"raw_{id}"] == pytest.approx(value, abs=1e-9), id
        assert not row[f"imputed_{id}"], id
    assert row["raw_chomage1524"] == pytest.approx(float(iris["soc_txchom_1524_22"][0]))
    _check_scores(communes, row, load_catalogue().variant("jeune").indicators)
    assert row["score_couv4g"] == 1.0
    assert row["ifn"] == pytest.approx(6.3286, abs=1e-4)


def test_an_estimated_age_rate_is_flagged_with_its_error_on_the_card(built_cache):
    from ifn.territory import indicator_rows

    communes = pl.read_parquet(built_cache.cache_dir / "communes.parquet")
    details = communes.filter(pl.col("code") == "01001").row(0, named=True)  # L'Abergement-Clémenciat: secret
    assert details["estime_pauvrete_moins30"] and details["pauvrete_moins30_methode"] == "revenu"
    scored = score_all(communes.lazy(), ScoreOptions(variant="jeune"))["commune"].filter(pl.col("code") == "01001")
    (card_row,) = indicator_rows(scored.row(0, named=True), ("pauvrete_moins30",), load_catalogue(), details)
    assert card_row.imputed and card_row.reason.startswith("Valeur estimée à partir du revenu médian")
    assert card_row.reason.endswith("erreur moyenne ± 4,5 pt (validation croisée).")
    drom = communes.filter(pl.col("code") == "97101").row(0, named=True)
    scored = score_all(communes.lazy(), ScoreOptions(variant="senior"))["commune"].filter(pl.col("code") == "97101")
    (age,) = indicator_rows(scored.row(0, named=True), ("age75",), load_catalogue(), drom)
    assert age.raw is None and age.reason == f"Pas de valeur : {variant_values.NO_CENSUS}."


# --------------------------------------------------------------------------- shared link, preset, command line
def test_shared_link_carries_the_variant():
    state = urlstate.MapState("commune", "commune", "30133", "senior", "equal")
    params = urlstate.encode(state)
    assert params["variante"] == "senior"
    back, notices = urlstate.decode(params, [v.id for v in load_catalogue().variants])
    assert back.variant == "senior" and notices == []
    _, notices = urlstate.decode({**params, "variante": "vieux"}, [v.id for v in load_catalogue().variants])
    assert notices == ["Variante inconnue « vieux » dans le lien : variante « tout_age » utilisée."]


def test_preset_carries_the_variant(tmp_path):
    text = presets.dump_preset(ScoreOptions(variant="jeune"))
    assert 'variant = "jeune"' in text
    options = presets.load_preset(text.encode())
    assert options.variant == "jeune"
    assert options.weights == {"fibre": 1.0, "couv4g": 1.0, "pauvrete_moins30": 1.0, "diplome": 1.0}


def test_command_line_scores_a_preset_of_the_senior_variant(built_cache, tmp_path):
    from ifn.cli import main

    preset = tmp_path / "senior.toml"
    preset.write_text(presets.dump_preset(ScoreOptions(variant="senior")), encoding="utf-8")
    out = tmp_path / "regions.csv"
    assert main(["score", "--weights", str(preset), "--level", "region", "--format", "csv", "--out", str(out)]) == 0
    header = out.read_text(encoding="utf-8-sig").splitlines()[0].split(";")
    assert "raw_pauvrete_60p" in header and "raw_age75" in header and "raw_age65" not in header
    out2 = tmp_path / "regions2.csv"
    assert main(["score", "--variant", "jeune", "--level", "region", "--format", "csv", "--out", str(out2)]) == 0
    header = out2.read_text(encoding="utf-8-sig").splitlines()[0].split(";")
    assert "raw_pauvrete_moins30" in header and "raw_pauvrete_60p" not in header


def test_map_page_opens_a_shared_link_of_the_senior_variant(built_cache, clear_streamlit_caches):
    from streamlit.testing.v1 import AppTest

    from tests.markdown_safety import shown

    at = AppTest.from_file(str(ROOT / "pages" / "carte.py"), default_timeout=180)
    at.query_params["carte"] = "commune"
    at.query_params["niveau"] = "commune"
    at.query_params["code"] = "30133"
    at.query_params["variante"] = "senior"
    at.run()
    assert not at.exception and not at.error
    assert at.selectbox(key="carte_variante").value == "senior"
    line = next(shown(c.value) for c in at.caption if "Variante affichée" in shown(c.value))
    assert line.startswith("Variante affichée : Senior.")
    assert {m.label: m.value for m in at.metric}["IFN (1 à 10)"] == "7,5/10"
    at.selectbox(key="carte_variante").set_value("jeune").run()
    assert not at.exception
    assert dict(at.query_params)["variante"] == "jeune"
    assert any(shown(c.value).startswith("Variante affichée : Jeune.") for c in at.caption)


def test_analyst_page_loads_a_senior_preset(built_cache, clear_streamlit_caches):
    from streamlit.testing.v1 import AppTest

    from tests.markdown_safety import shown

    at = AppTest.from_file(str(ROOT / "pages" / "analyse.py"), default_timeout=180).run()
    assert not at.exception and not at.error
    preset = presets.dump_preset(ScoreOptions(variant="senior", weights={"age75": 2.0, "pauvrete_60p": 1.0,
                                                                          "fibre": 1.0}))
    at.file_uploader(key="an_preset_file").upload("senior.toml", preset.encode(), "application/toml").run()
    assert not at.exception and not at.error
    assert at.selectbox(key="an_variant").value == "senior"
    assert at.number_input(key="an_w_age75").value == 2.0
    assert at.number_input(key="an_w_couv4g").value == 0.0
    assert any(shown(c.value).startswith("Variante affichée : Senior.") for c in at.caption)


def test_age_rate_of_a_commune_nouvelle_pools_its_parts():
    from ifn.sources.filosofi_2021 import pool_rate

    rows = pl.DataFrame({
        "code": ["01001", "01001", "01002", "01003", "01003"],
        "personnes": [300.0, 100.0, 50.0, 200.0, 200.0],
        "tp60_age1": [20.0, None, None, 10.0, 30.0],
        "x_estimee": [None, 40.0, 22.0, None, None],
        "x_erreur": [None, 4.0, 5.0, None, None],
    })
    out = pool_rate(rows, "tp60_age1", "x").sort("code")
    # 01001: (300·20 + 100·40) ÷ 400 = 25, error 100·4 ÷ 400 = 1 (the published part counts 0)
    assert out.row(0) == ("01001", None, 25.0, 1.0, "revenu")
    assert out.row(1) == ("01002", None, 22.0, 5.0, "revenu")
    assert out.row(2) == ("01003", 20.0, None, None, "publie")
