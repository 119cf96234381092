"""Code-vintage reconciliation with hand-made COG tables."""

from __future__ import annotations

import polars as pl

from ifn import reconcile

UNIVERSE = pl.Series(["01033", "01453", "75056", "14712", "14666"])
COG = pl.DataFrame(
    {
        "typecom": ["COM", "ARM", "ARM", "COM"],
        "code": ["75056", "75101", "75102", "01033"],
        "nom": ["Paris", "Paris 1er", "Paris 2e", "Valserhône"],
        "parent": [None, "75056", "75056", None],
    }
)
MOVES = pl.DataFrame(
    {
        "mod": ["32", "32", "32", "21", "31", "32", "32", "32", "31", "32"],
        "date": ["2019-01-01", "2019-01-01", "2019-01-01", "2019-12-31", "2016-01-01", "2027-01-01",
                 "2016-01-01", "2019-01-01", "1973-01-01", "2017-01-01"],
        "type_av": ["COM"] * 10,
        "code_av": ["01091", "01059", "01097", "14712", "99999", "01999", "01500", "01501", "01600", "01600"],
        "nom_av": ["Châtillon", "Brénaz", "Chavornay", "Troarn", "Old", "Too early", "A", "B", "C", "C"],
        "type_ap": ["COM"] * 10,
        "code_ap": ["01033", "01453", "01453", "14666", "01033", "01033", "01501", "01453", "01033", "01453"],
        "nom_ap": ["Valserhône", "Arvière", "Arvière", "Sannerville", "Valserhône", "Valserhône",
                   "B", "Arvière", "Valserhône", "Arvière"],
    }
)


def resolver():
    return reconcile.make_resolver(UNIVERSE, COG, MOVES)


def test_resolution_rules():
    r = resolver()
    assert r.resolve("01033") == ("01033", reconcile.MATCHED)
    assert r.resolve("75102") == ("75056", reconcile.ARRONDISSEMENT)
    assert r.resolve("01091") == ("01033", reconcile.MERGED)
    assert r.resolve("01097") == ("01453", reconcile.MERGED)
    # a re-establishment (MOD 21) never redirects a code that still exists
    assert r.resolve("14712") == ("14712", reconcile.MATCHED)
    # events after the 2026 universe (2026-01-01) are ignored
    assert r.resolve("01999") == (None, reconcile.UNMATCHED)
    # chained: 01500 → 01501 (2016) → 01453 (2019)
    assert r.resolve("01500") == ("01453", reconcile.MERGED)
    # a code that disappeared twice follows its latest event (2017, not 1973)
    assert r.resolve("01600") == ("01453", reconcile.MERGED)
    assert r.resolve("97701") == (None, reconcile.OUT_OF_SCOPE)


def test_attach_codes_report_lists_everything():
    src = pl.DataFrame({"code": ["01033", "01091", "75101", "75102", "55555", "98714"], "v": [1, 2, 3, 4, 5, 6]})
    frame, entry = reconcile.attach_codes(src, resolver(), "test.csv")
    assert frame.sort("code_source")["code"].to_list() == ["01033", "01033", "75056", "75056"]
    assert entry["identiques"] == 1 and entry["fusions"] == 1 and entry["arrondissements"] == 2
    assert entry["non_apparies"] == 1 and entry["codes_non_apparies"] == ["55555"]
    assert entry["hors_champ"] == 1 and entry["codes_hors_champ"] == ["98714"]
    assert entry["codes_communes_2026_absentes"] == ["01453", "14666", "14712"]
    assert entry["communes_retablies_apres_millesime"] == {}


def test_communes_re_established_after_a_source_vintage_are_listed_with_the_reason():
    src = pl.DataFrame({"code": ["14712", "01033"], "v": [1, 2]})
    # 14666 Sannerville was re-established out of 14712 on 2019-12-31: a 2018 source cannot describe it
    _, entry = reconcile.attach_codes(src, resolver(), "ancien.csv", cog_date="2018-01-01")
    assert entry["communes_retablies_apres_millesime"] == {
        "14666": "créée ou rétablie le 2019-12-31 à partir de 14712, après le millésime de la source"}
    _, recent = reconcile.attach_codes(src, resolver(), "recent.csv", cog_date="2024-01-01")
    assert recent["communes_retablies_apres_millesime"] == {}


def test_weighted_mean_by_population_and_fallback():
    df = pl.DataFrame(
        {
            "code": ["A", "A", "A", "B", "B"],
            "x": [10.0, 40.0, None, 5.0, 7.0],
            "poids": [300, 100, 1000, None, None],
        }
    )
    out = df.group_by("code").agg(reconcile.weighted_mean("x")).sort("code")
    # A: (10*300 + 40*100) / 400 = 17.5 ; the null value's weight is ignored. B: no weight → plain mean 6.
    assert out["x"].to_list() == [17.5, 6.0]


def test_france_services_sample_reconciled_and_reported(tmp_path):
    """The real-format sample through a hand-made 2020 universe: nothing dropped silently."""
    import dataclasses
    from pathlib import Path

    from ifn import readers

    sample = Path(__file__).resolve().parent / "fixtures" / "france-services-2023-sample.csv"
    target = tmp_path / readers.FRANCE_SERVICES.relpath
    target.parent.mkdir(parents=True)
    target.write_bytes(sample.read_bytes())
    spec = dataclasses.replace(readers.FRANCE_SERVICES, min_rows=1)
    counts = readers.france_services_per_commune(readers.read_france_services(tmp_path, spec))
    # 72176 (Le Lude) left out of the universe on purpose: it must be reported, not lost
    universe = pl.Series(["01033", "02361", "03190", "15141", "75056", "01001"])
    cog = pl.DataFrame({"typecom": ["ARM"], "code": ["75118"], "nom": ["Paris 18e"], "parent": ["75056"]})
    r = reconcile.make_resolver(universe, cog, MOVES.clear())
    frame, entry = reconcile.attach_codes(counts, r, readers.FRANCE_SERVICES.relpath)
    assert entry["lignes"] == 7
    assert (entry["identiques"], entry["arrondissements"], entry["fusions"]) == (4, 1, 0)
    assert entry["codes_hors_champ"] == ["97801"] and entry["codes_non_apparies"] == ["72176"]
    assert entry["codes_communes_2026_absentes"] == ["01001"]
    per_commune = frame.group_by("code").agg(pl.col("france_services").sum()).sort("code")
    assert per_commune.rows() == [("01033", 1), ("02361", 1), ("03190", 1), ("15141", 1), ("75056", 2)]
