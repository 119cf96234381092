"""Sensitivity against the default index: exact values on hand-computed fixtures."""

import math

import numpy as np
import polars as pl
import pytest

from ifn.score import ScoreOptions, prepare_levels
from ifn.sensitivity import average_ranks, class_changes, compare, histogram, influence, level_ifn, movers, spearman
from tests.test_score import synthetic_communes


def test_average_ranks_ties():
    assert average_ranks(np.array([5.0, 6.0, 7.0, 8.0, 7.0])).tolist() == [1, 2, 3.5, 5, 3.5]


def test_spearman_exact():
    # ranks [1..5] vs [1, 2, 3.5, 5, 3.5]: 8 / sqrt(10 * 9.5)
    assert spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(8 / math.sqrt(95))
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    # pairs with a missing value are left out
    assert spearman([1, 2, None, 4], [1, 2, 3, None]) == pytest.approx(1.0)
    assert math.isnan(spearman([1, None], [1, 2]))
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))


def test_class_changes_same_breaks():
    # equal breaks 2.8, 4.6, 6.4, 8.2, 10: default classes 0,1,2,-,4 ; new 0,2,2,1,-
    # only the first three are scored by both: the 4th gains a score, the 5th loses it (counted apart)
    changes = class_changes([1, 3, 5, None, 9.9, None], [2, 5, 5, 4, None, None])
    assert (changes.changed, changes.total) == (1, 3)
    assert changes.share == pytest.approx(1 / 3)
    assert changes.classes.breaks == pytest.approx((2.8, 4.6, 6.4, 8.2, 10.0))
    # other scale (base 100): quintiles of each index; same order → no change
    other = class_changes([1, 2, 3, 4, 5], [100, 200, 300, 400, 500], "quantiles", same_breaks=False)
    assert (other.changed, other.total) == (0, 5)
    swapped = class_changes([1, 2, 3, 4, 5], [200, 100, 300, 400, 500], "quantiles", same_breaks=False)
    assert (swapped.changed, swapped.total) == (2, 5)


def test_compare_and_movers():
    default = pl.DataFrame({"code": ["a", "b", "c", "d", "e"], "ifn": [8.0, 6.0, 4.0, 2.0, 5.0]})
    new = pl.DataFrame({"code": ["a", "b", "c", "d", "e"], "nom": list("ABCDE"), "population": [1] * 5,
                        "ifn": [2.0, 6.0, 4.0, 8.0, None]})
    out = compare(default, new)
    assert out["rang_defaut"].to_list() == [1, 2, 3, 4, None]
    assert out["rang"].to_list() == [4, 2, 3, 1, None]
    assert out["evolution"].to_list() == [-3, 0, 0, 3, None]
    assert out["ecart"].to_list() == [-6, 0, 0, 6, None]
    risers, fallers = movers(out)
    assert risers["code"].to_list() == ["d"] and fallers["code"].to_list() == ["a"]


def test_movers_sorted_by_gap_not_by_rank():
    # f rises by 3 ranks with a gap of +0.5, g by 1 rank with a gap of +2: by gap g comes first
    compared = pl.DataFrame({"code": ["f", "g", "h", "i"], "ecart": [0.5, 2.0, -1.0, -0.2],
                             "evolution": [3.0, 1.0, -1.0, -3.0]})
    risers, fallers = movers(compared)
    assert risers["code"].to_list() == ["g", "f"] and fallers["code"].to_list() == ["h", "i"]
    risers, fallers = movers(compared, by="evolution")
    assert risers["code"].to_list() == ["f", "g"] and fallers["code"].to_list() == ["i", "h"]
    assert movers(compared, 1)[0]["code"].to_list() == ["g"]
    with pytest.raises(ValueError):
        movers(compared, by="rang")


def test_influence_leave_one_out():
    options = ScoreOptions(impute=False, weights={"fibre": 1, "couv4g": 1, "age65": 1})
    prepared = prepare_levels(synthetic_communes(), options)
    # IFN A..D = 4, 4, 5.8, 7 ; without fibre 5.5, 4, 5.2, 5.5 ; without couv4g 1, 2.5, 6.7, 10 ;
    # without age65 5.5 everywhere (E has no score)
    assert level_ifn(prepared, "commune", options.weights)["ifn"].to_list()[:4] == pytest.approx([4, 4, 5.8, 7])
    out = influence(prepared, "commune", options.weights)
    assert out["indicateur"].to_list() == ["couv4g", "age65", "fibre"]
    assert out["influence"].to_list() == pytest.approx([2.1, 1.2, 0.9])
    assert out["influence_max"].to_list() == pytest.approx([3.0, 1.5, 1.5])
    assert out["unites"].to_list() == [4, 4, 4]
    subset = influence(prepared, "commune", options.weights, codes=pl.Series(["01001", "01002"]))
    assert dict(zip(subset["indicateur"], subset["influence"])) == pytest.approx(
        {"fibre": 0.75, "couv4g": 2.25, "age65": 1.5})
    assert influence(prepared, "commune", {"fibre": 1, "couv4g": 0}).height == 0


def test_histogram_bins():
    out = histogram([1.0, 1.5, 10.0, None], [2.0, 2.0, 2.2])
    assert out.height == 18 and out["classe"][0] == "1,0–1,5"
    assert out["defaut"].to_list()[:2] == [1, 1] and out["defaut"][-1] == 1
    assert out["nouveau"][2] == 3 and out["nouveau"].sum() == 3


def test_settings_written_in_the_exports():
    import io

    import openpyxl

    from ifn.export import to_csv_bytes, to_xlsx_bytes
    from ifn.sensitivity import settings_record, with_settings
    from ifn.upload import CustomIndicator

    custom = CustomIndicator("perso_ts", "Travailleurs sociaux", "plus_haut_moins_fragile", 2.0,
                             pl.DataFrame({"code": ["01001", "01002"], "value": [1.0, None]}))
    options = ScoreOptions(weights={"fibre": 1, "pauvrete": 2, "couv4g": 0, "perso_ts": 2}, method="base100")
    record = settings_record(options, "Communes", "01 — Ain", [custom], "2026-11-24")
    assert record == {
        "niveau": "Communes", "territoire": "01 — Ain", "variante": "tout_age", "methode": "base100",
        "reference_base100": "france", "imputation": "oui", "poids": "fibre = 1, pauvrete = 2, perso_ts = 2",
        "minimum_indicateurs": "3",
        "indicateurs_personnels": "perso_ts = « Travailleurs sociaux » (plus haut = moins fragile, 1 valeurs)",
        "cache_construit_le": "2026-11-24",
    }
    frame = pl.DataFrame({"code": ["01001"], "ifn": [4.25]})
    csv = to_csv_bytes(with_settings(frame, record)).decode("utf-8-sig").splitlines()
    assert csv[0].split(";")[:4] == ["code", "ifn", "parametre_niveau", "parametre_territoire"]
    assert csv[1].startswith("01001;4,25;Communes;01 — Ain;tout_age;base100;france;oui;fibre = 1, pauvrete = 2, perso_ts = 2;3;perso_ts")
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, metadata=record)), read_only=True)
    rows = list(book["Métadonnées"].iter_rows(values_only=True))
    assert ("poids", "fibre = 1, pauvrete = 2, perso_ts = 2") in rows


def test_prepare_level_matches_prepare_levels():
    from ifn.sensitivity import prepare_level

    options = ScoreOptions(method="base100", reference="dep")
    one = prepare_level(synthetic_communes(), "epci", options)
    assert set(one.tables) == {"epci"}
    all_levels = prepare_levels(synthetic_communes(), ScoreOptions(method="base100", reference="reg"))
    same = prepare_level(synthetic_communes(), "epci", ScoreOptions(method="base100", reference="reg"))
    assert same.tables["epci"].equals(all_levels.tables["epci"])
    assert level_ifn(one, "epci", None)["ifn"].len() == 2
