"""Decisions of the analyst page (ifn.analysis): exact values on small hand-made frames."""

import polars as pl
import pytest

from ifn import analysis as an
from ifn.sensitivity import compare, fr_weight, weights_text

# Rows shaped like ifn.score's level tables: Corse-du-Sud (2A, région 94) and Ain (01, région 84).
COMMUNES = pl.DataFrame({"code": ["2A004", "2A041", "01001"], "dep": ["2A", "2A", "01"], "reg": ["94", "94", "84"]})
EPCI = pl.DataFrame({"code": ["242010056", "200040715"], "dep": ["2A", "01"]})
DEPS = pl.DataFrame({"code": ["2A", "2B", "01"]})
REGIONS = pl.DataFrame({"code": ["94", "84", "11"]})
DEP_REGION = {"2A": "94", "2B": "94", "01": "84"}


def codes(frame):
    return frame["code"].to_list()


def test_territory_filter_per_level():
    assert codes(an.in_territory(COMMUNES, "commune", "2A", DEP_REGION)) == ["2A004", "2A041"]
    assert codes(an.in_territory(EPCI, "epci", "01", DEP_REGION)) == ["200040715"]
    assert codes(an.in_territory(DEPS, "departement", "2B", DEP_REGION)) == ["2B"]
    # the région level keeps the région of the chosen département, not a département code
    assert codes(an.in_territory(REGIONS, "region", "2B", DEP_REGION)) == ["94"]
    assert codes(an.in_territory(REGIONS, "region", "01", DEP_REGION)) == ["84"]
    assert codes(an.in_territory(REGIONS, "region", an.ALL_TERRITORIES, DEP_REGION)) == ["94", "84", "11"]
    assert an.in_territory(COMMUNES, "commune", an.ALL_TERRITORIES, DEP_REGION).height == 3
    with pytest.raises(ValueError):
        an.in_territory(COMMUNES, "canton", "2A", DEP_REGION)


@pytest.mark.parametrize("method, kind, code, expected", [
    ("rank", "dep", "69", None),
    ("minmax", "france", "", None),
    ("base100", "france", "", "france"),
    ("base100", "france", "84", "france"),
    ("base100", "reg", "", "reg"),
    ("base100", "reg", " 84 ", "reg:84"),
    ("base100", "dep", "2A", "dep:2A"),
])
def test_reference_setting(method, kind, code, expected):
    assert an.reference_setting(method, kind, code) == expected


def test_split_reference_inverts_the_setting():
    assert an.split_reference(None) == ("france", "")
    assert an.split_reference("france") == ("france", "")
    assert an.split_reference("reg") == ("reg", "")
    assert an.split_reference("dep:2A") == ("dep", "2A")
    for kind, code in [("reg", "84"), ("dep", "69")]:
        assert an.split_reference(an.reference_setting("base100", kind, code)) == (kind, code)


def test_classes_on_another_scale():
    assert an.class_method("base100") == "quantiles"
    assert [an.class_method(m) for m in ("rank", "decile", "minmax")] == ["equal"] * 3
    assert an.on_other_scale("base100") and not an.on_other_scale("rank")
    assert an.movers_key("base100") == "evolution" and an.movers_key("rank") == "ecart"


def test_minimum_capped_is_said():
    weights = {"fibre": 1.0, "couv4g": 1.0, "age65": 0.0, "diplome": 2.0, "pauvrete": 0.5}
    capped = an.minimum_applied(20, weights)
    assert (capped.asked, capped.applied, capped.weighted) == (20, 4, 4)
    assert capped.notice == ("Nombre minimal d'indicateurs ramené de 20 à 4 : seuls 4 indicateurs ont un poids "
                             "non nul (un territoire ne peut pas en avoir plus).")
    kept = an.minimum_applied(4, weights)
    assert (kept.applied, kept.notice) == (4, None)
    assert an.minimum_applied(3, weights).notice is None


def test_units_losing_their_score_are_counted_apart():
    default = pl.DataFrame({"code": ["a", "b", "c", "d"], "ifn": [5.0, 6.0, 7.0, None]})
    new = pl.DataFrame({"code": ["a", "b", "c", "d"], "nom": ["Mamoudzou", "Bé", "Cé", "Dé"], "population": [1] * 4,
                        "ifn": [None, 6.5, 7.0, 4.0],
                        "motif": ["2 indicateur(s) disponible(s) sur 4 (minimum 3) ; manquant(s) : Fibre", None, None,
                                  None]})
    coverage = an.score_coverage(compare(default, new), new)
    assert coverage.lost.rows() == [("a", "Mamoudzou", "2 indicateur(s) disponible(s) sur 4 (minimum 3) ; "
                                                        "manquant(s) : Fibre")]
    assert coverage.gained.rows() == [("d", "Dé")]
    assert coverage.notice() == (
        "1 unité(s) perdent leur score avec vos réglages : Mamoudzou (a). Motif : 2 indicateur(s) disponible(s) "
        "sur 4 (minimum 3) ; manquant(s) : Fibre. 1 unité(s) obtiennent un score qu'elles n'avaient pas avec "
        "l'IFN par défaut. Elles ne sont pas comptées dans les changements de classe.")
    same = an.score_coverage(compare(default, default.with_columns(nom=pl.lit("x"), population=1)), default)
    assert same.lost.height == 0 and same.gained.height == 0 and same.notice() is None


def test_histogram_never_mixes_scales():
    both = an.histogram_view("rank", [1.0, 1.2, 9.9], [2.0, 2.1, 2.2])
    assert both.series == ("IFN par défaut", "Vos réglages") and both.caption is None
    assert both.table.height == 18 and both.table["IFN par défaut"].sum() == 3
    assert both.table["Vos réglages"].to_list()[2] == 3
    base = an.histogram_view("base100", [1.0, 5.0, 10.0], [80.0, 100.0, 120.0, None], bins=4)
    assert base.series == ("Vos réglages (base 100)",)
    assert base.table.columns == ["classe", "Vos réglages (base 100)"]
    assert base.table["classe"].to_list() == ["80,0–90,0", "90,0–100,0", "100,0–110,0", "110,0–120,0"]
    assert base.table["Vos réglages (base 100)"].to_list() == [1, 0, 1, 1]
    assert "pas sur la même échelle" in base.caption
    empty = an.histogram_view("base100", [1.0], [None])
    assert empty.table.height == 0 and empty.caption.startswith("Aucune unité")


def test_weights_in_french():
    assert [fr_weight(w) for w in (1.0, 1.5, 0.25, 0.0, 10.0, 2)] == ["1", "1,5", "0,25", "0", "10", "2"]
    assert weights_text({"fibre": 1.0, "age65": 0.5}) == "fibre = 1, age65 = 0,5"


def test_ranking_shows_new_index_gap_and_rank_first():
    columns = ["code", "nom", "population", "ifn_defaut", "ifn", "ecart", "rang_defaut", "rang", "evolution",
               "raw_perso_x"]
    assert an.ranking_order(columns) == ["nom", "ifn", "ecart", "rang", "evolution", "ifn_defaut", "rang_defaut",
                                         "code", "population", "raw_perso_x"]
    assert "ecart" not in an.ranking_order(columns, "base100")
    assert an.ranking_order(columns, "base100")[:3] == ["nom", "ifn", "rang"]
